#!/usr/bin/env bash
# Installs what the app (and, with "dev", the tests) need on a fresh machine: Debian packages and a virtualenv.
# Safe to run again: what is already there is skipped.
set -euo pipefail
cd "$(dirname "$0")/.."

want_dev="${1:-}"
packages=(fonts-noto-cjk)
# The PDF of a meeting deck (Impress) and of the 公示表 (Calc), made by LibreOffice headless.
packages+=(libreoffice-impress libreoffice-calc)
if [ "$want_dev" = "dev" ]; then
  packages+=(chromium)
  packages+=(poppler-utils)  # pdftotext and pdfinfo read the PDFs back in the tests
fi

missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "==> 安装系统软件包：${missing[*]}"
  if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ ! -x .venv/bin/python ]; then
  echo "==> 创建虚拟环境 .venv"
  python3 -m venv .venv
fi
requirements=requirements.txt
[ "$want_dev" = "dev" ] && requirements=requirements-dev.txt
stamp=".venv/.installed-$(cat requirements.txt requirements-dev.txt | sha256sum | cut -c1-16)-$want_dev"
if [ ! -f "$stamp" ]; then
  echo "==> 安装 Python 依赖（$requirements）"
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -r "$requirements"
  touch "$stamp"
fi
