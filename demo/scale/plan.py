"""What the scale data set is made of: densities per person following the demo year, ledger weights, section
kinds, name and word pools (data), the run's Summary and the --fraction parser."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction
from pathlib import Path

UPLOADER = "规模数据生成"
START = date(2022, 1, 1)

# Score events per item in the demo year (60 people, 12 months); scaled per person-month, ×1.34 to ≈2M at full size.
DEMO_ITEM_COUNTS = {
    "DC01": 456, "DC02": 18, "DC03": 68, "ZL01": 945, "ZL02": 96, "ZL03": 2, "XC01": 2115, "XC02": 146,
    "XC03": 423, "XX01": 37, "XX02": 18, "XX03": 74, "CX01": 15, "CX02": 16, "YX01": 39, "YX02": 142,
    "YX03": 145, "TJ01": 1075, "TJ02": 18, "JL01": 9, "JL02": 206, "JL03": 0.06,
}  # fmt: skip
ITEM_DENSITY = 1.52
# Activities held for everyone on a calendar: (frequency or sessions a year, share of people attending, hours).
SESSION_ACTIVITIES = {
    "荐学": ("weekly", 0.93, 0.5),
    "研学": ("half_monthly", 0.90, 2.0),
    "游学": ("monthly", 0.90, 3.0),
    "评学": ("quarterly", 0.96, 2.0),
    "奖学": ("yearly", 0.95, 2.0),
    "组工讲堂": (10, 0.78, 2.0),
}
# Activities a person does now and then: rows per person per year (demo year), role, hours.
PERSONAL_ACTIVITIES = {
    "每日鉴学": (12.0, "参与", None),
    "志愿服务": (3.0, "参与", 4.0),
    "联企业联群众": (3.0, "参与", None),
    "岗位练兵": (1.2, "参与", 2.0),
    "业务比武": (0.67, "参与", 3.0),
    "一线实践": (0.65, "参与", None),
    "金点子": (0.8, "参与", None),
    "组工论坛": (0.55, "主讲", 1.0),
    "考察学习": (0.28, "参与", 8.0),
}
TASKS_PER_PERSON_YEAR = 1.56  # demo year: 95 tasks for 61 people
LEDGER_WEIGHTS = {
    "组织保障专项台账": 22, "基础夯实工程": 28, "揭榜挂帅": 10, "重点任务清单": 4, "领导批示督办": 3,
    "会议确定事项": 4, "制度文件修订": 21, "形象提升任务": 3,
}  # fmt: skip
SECTION_KINDS = (
    "办公室", "组织科", "干部一科", "干部二科", "干部监督科", "人才工作科", "公务员管理科", "研究室",
    "党员教育科", "基层党建科", "干部教育科", "信息调研科",
)  # fmt: skip
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "伟芳娜敏静丽强磊洋艳勇军杰娟涛明超秀霞平刚桂英华建国志红晓子宏文俊雨思欣海春立新永家庆天嘉梦雅诗佳"
TITLES = (("一级主任科员", "一般干部"), ("二级主任科员", "一般干部"), ("四级主任科员", "一般干部"),
          ("一级科员", "青年干部"), ("科员", "青年干部"))  # fmt: skip
REASON_TAILS = ("（上级通报）", "（部务会确认）", "（科室申报）", "（督查室核实）", "（简报刊发）", "（群众反映）")
NOTES = ("已领办登记，正在制定方案", "已召开专题会研究部署", "按计划推进", "已形成初稿，正在征求意见",
         "已报部务会审议", "已完成阶段任务", "正在督促落实", "已办结，资料已归档")  # fmt: skip
TOPICS = ("学习贯彻党代会精神", "干部工作业务知识", "基层党建创新实践", "人才工作政策解读", "组织工作信息化")
QUARTER_WORDS = "一二三四"


ROLLUP_NAMES = {"points": "加减分", "flags": "夺旗", "participation": "学习参与", "tasks": "任务"}


@dataclass
class Summary:
    path: Path
    people: int
    sections: int
    months: int
    rows: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    points_xlsx: Path | None = None
    roster_xlsx: Path | None = None
    rollups: dict[str, float] = field(default_factory=dict)  # seconds each rollup took to build (-1: not built)

    def lines(self) -> list[str]:
        counts = "，".join(f"{k} {v:,}" for k, v in self.rows.items())
        out = [
            f"已生成规模数据 {self.path}：{self.people:,} 人，{self.sections} 个科室，{self.months} 个月，用时 {self.seconds:.1f}s"
        ]
        out.append(f"  {counts}")
        if self.rollups:
            built = "，".join(
                f"{ROLLUP_NAMES.get(k, k)} {v:.1f}s" if v >= 0 else f"{ROLLUP_NAMES.get(k, k)} 未建"
                for k, v in self.rollups.items()
            )
            out.append(f"  汇总表：{built}")
        if self.points_xlsx:
            out.append(f"  导入基准用文件：{self.points_xlsx}（加减分），{self.roster_xlsx}（人员名单）")
        return out


def parse_fraction(text: str | None) -> Fraction:
    """'1/16', '0.25' or '1' → a fraction in (0, 1]."""
    if not text:
        return Fraction(1)
    value = Fraction(text.strip())
    if not 0 < value <= 1:
        raise ValueError(f"--fraction 应在 0 与 1 之间：{text}")
    return value
