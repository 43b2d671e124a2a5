"""页面不存在: what an unknown address shows, with the way back to the overview."""

import streamlit as st

from ui.texts import PAGES

st.title("页面不存在")
st.write("您访问的页面地址不存在，可能是链接有误或页面已调整。请从左侧导航选择页面，或返回总览。")
st.page_link("views/overview.py", label=f"返回{PAGES['overview'][0]}", icon=":material/home:")
