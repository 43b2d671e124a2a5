"""The demo year: the workbooks a department's clerks would upload over one campaign year, built deterministically
and loaded through the real importer, so a newcomer sees a full dashboard at once and can clear it with one click."""

from __future__ import annotations

import functools
import io
import math
import random
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from analytics.accounts import guard
from analytics.accounts.roles import MANAGE_DEMO, SYSTEM, Actor, is_system, require
from analytics.errors import ImportRefused
from analytics.rules import rulebook as rb
from analytics.sheets.ingest import Options, Progress, import_bytes, undo_in
from analytics.sheets.kinds import KINDS
from analytics.store.db import Con, get_meta, set_meta, transaction

UPLOADER = "演示数据"
DEFAULT_YEAR = 2022
CLEARED_KEY = "demo_cleared"

# The mid-year events of the demo: the rule change and the roster adjustment of July.
RULES_FROM = (7, 1)
RAISED_ITEM = "CX02"  # 金点子被采纳: worth one point more from RULES_FROM on
MOVE_ON = (7, 4)
LEAVE_ON = (7, 15)
JOIN_ON = (7, 18)

DUPLICATE_NAME = "张伟"


# People -----------------------------------------------------------------------------------------

# (section, the 职务 of its people in roster order); 60 people, from a 3-person section to a 12-person one.
SECTIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "办公室",
        (
            "部长",
            "主任",
            "副主任",
            "一级主任科员",
            "二级主任科员",
            "四级主任科员",
            "一级科员",
            "一级科员",
            "科员",
            "科员",
        ),
    ),
    (
        "组织科",
        (
            "副部长",
            "科长",
            "副科长",
            "副科长",
            "一级主任科员",
            "二级主任科员",
            "四级主任科员",
            "四级主任科员",
            "一级科员",
            "一级科员",
            "科员",
            "科员",
        ),
    ),
    ("干部一科", ("常务副部长", "科长", "副科长", "二级主任科员", "四级主任科员", "一级科员", "科员", "科员")),
    ("干部二科", ("科长", "副科长", "四级主任科员", "一级科员", "一级科员", "科员", "科员")),
    ("干部监督科", ("科长", "副科长", "四级主任科员", "一级科员", "科员", "科员")),
    ("人才工作科", ("副部长", "科长", "二级主任科员", "一级科员", "科员", "科员")),
    ("公务员管理科", ("科长", "副科长", "一级主任科员", "四级主任科员", "一级科员", "一级科员", "科员", "科员")),
    ("研究室", ("主任", "四级主任科员", "科员")),
)
SECTION_NAMES = tuple(name for name, _ in SECTIONS)

_SURNAMES = (
    ("王李张刘陈杨赵黄周吴", 6),
    ("徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹", 3),
    ("彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦傅方白邹孟熊秦邱江尹薛闫段雷侯龙史", 1),
)
_GIVEN = (
    "伟磊勇军强杰涛斌超明刚鹏辉华亮凯峰鑫波宇浩晨阳健龙飞彬昊博文东海森丽娜静敏燕艳霞玲婷雪慧颖琳倩洁晶蕾悦璐佳琪萌菲瑶"
)
_GIVEN_FIRST = "晓子志建宏文俊雨思欣明海春立新国永家少庆天嘉一梦雅诗佳"


@dataclass(eq=False)
class _Person:
    name: str
    section: str
    title: str
    category: str | None
    staff_no: str
    drive: float  # how often the person earns points, relative to the average
    joined: date | None = None  # None: on the roster from the start of the year
    left: date | None = None
    moved: tuple[date, str] | None = None  # (date, new section) for the July 岗位交流
    new_title: str | None = None  # a promotion shown on the July roster
    fixed: bool = False  # has a part to play (same name, move, leave, join): kept out of tasks and arenas

    def section_on(self, day: date) -> str:
        if self.moved and day >= self.moved[0]:
            return self.moved[1]
        return self.section

    def present(self, day: date) -> bool:
        return (self.joined is None or day >= self.joined) and (self.left is None or day <= self.left)

    @property
    def leader(self) -> bool:
        return self.title.endswith("部长")

    @property
    def head(self) -> bool:
        return self.title in ("科长", "主任")

    @property
    def deputy(self) -> bool:
        return self.title in ("副科长", "副主任")


# Tasks (from the campaign plan: 22 + 28 + 10 + 21 planned, plus the two lists and the meeting items) ---------------

_TASKS: tuple[tuple[str, str, tuple[tuple[str, str], ...]], ...] = (
    (
        "组织保障专项台账",
        "ZB",
        (
            ("招商引资一线干部选派与考核", "干部一科"),
            ("城市更新和城市建设攻坚干部保障", "干部一科"),
            ("疫情防控一线党组织和党员作用发挥", "组织科"),
            ("疫情防控一线干部考察识别", "干部二科"),
            ("营流路片区拆迁改造临时党支部建设", "组织科"),
            ("蓝谷至胶东机场快速路建设干部支持", "干部二科"),
            ("优化营商环境专项考核", "干部监督科"),
            ("重点项目“尖刀班”“突击队”组建", "干部一科"),
            ("重点企业党建指导员选派", "组织科"),
            ("招才引智“人才新政”落实", "人才工作科"),
            ("重点产业人才需求调查", "人才工作科"),
            ("国有企业领导班子配备", "干部二科"),
            ("社区治理“红色网格”建设", "组织科"),
            ("老旧小区改造党建引领", "组织科"),
            ("双招双引干部激励机制", "公务员管理科"),
            ("重大项目专班干部实绩考核", "干部监督科"),
            ("创建全国文明城市干部保障", "公务员管理科"),
            ("民生实事项目干部跟踪考核", "干部监督科"),
            ("园区党群服务中心建设", "组织科"),
            ("楼宇党建提质增效", "组织科"),
            ("疫情防控干部关爱激励", "公务员管理科"),
            ("经济运行一线干部担当作为考察", "干部一科"),
        ),
    ),
    (
        "基础夯实工程",
        "JC",
        (
            ("党员信息库规范化管理", "组织科"),
            ("干部人事档案专项审核", "干部二科"),
            ("党员组织关系集中排查", "组织科"),
            ("党费收缴使用管理自查", "组织科"),
            ("软弱涣散基层党组织整顿", "组织科"),
            ("发展党员全程纪实", "组织科"),
            ("干部人事档案数字化", "干部二科"),
            ("公务员平时考核", "公务员管理科"),
            ("干部监督信息库建设", "干部监督科"),
            ("领导干部个人有关事项报告抽查核实", "干部监督科"),
            ("因私出国（境）证照集中管理", "干部监督科"),
            ("基层党组织按期换届提醒督导", "组织科"),
            ("党员教育培训年度计划", "研究室"),
            ("基层党组织书记抓党建述职评议", "组织科"),
            ("优秀年轻干部库建设", "干部一科"),
            ("人才信息库动态更新", "人才工作科"),
            ("组织工作信息系统运维", "办公室"),
            ("组工信息报送机制", "研究室"),
            ("党内统计年报", "组织科"),
            ("流动党员管理", "组织科"),
            ("“两新”组织党组织覆盖", "组织科"),
            ("社区工作者职业体系建设", "人才工作科"),
            ("机关“三会一课”落实督导", "办公室"),
            ("干部选拔任用“一报告两评议”", "干部一科"),
            ("公务员招录与遴选", "公务员管理科"),
            ("事业单位人员管理规范", "公务员管理科"),
            ("党群服务阵地标准化建设", "组织科"),
            ("组织部门保密管理", "办公室"),
        ),
    ),
    (
        "揭榜挂帅",
        "JB",
        (
            ("干部政治素质考察具象化操作手册", "干部一科"),
            ("“通识导师制”年轻干部培养", "干部二科"),
            ("“李沧青年干部学堂”", "公务员管理科"),
            ("干部“实绩档案”数字化管理", "干部监督科"),
            ("社区“红色物业”服务品牌", "组织科"),
            ("“两新”组织“链上党建”", "组织科"),
            ("人才“一站式”服务平台", "人才工作科"),
            ("干部担当作为激励保障办法", "干部监督科"),
            ("基层党建“积分制”管理", "研究室"),
            ("组工干部“能力画像”", "办公室"),
        ),
    ),
    (
        "重点任务清单",
        "ZR",
        (
            ("年度组织工作要点任务分解落实", "研究室"),
            ("街道社区“一把手”抓基层党建观摩", "组织科"),
            ("全区组织工作会议筹备", "办公室"),
            ("年轻干部“墩苗”计划实施", "干部一科"),
        ),
    ),
    (
        "领导批示督办",
        "PS",
        (
            ("落实区委主要领导关于干部作风建设的批示", "干部监督科"),
            ("落实市委组织部关于人才工作的批示", "人才工作科"),
            ("落实区委领导关于社区工作者队伍建设的批示", "组织科"),
        ),
    ),
    (
        "会议确定事项",
        "HY",
        (
            ("部务会确定：机关党建文化墙建设", "办公室"),
            ("部务会确定：“金点子”信箱设立和办理", "办公室"),
            ("区委常委会确定：重点项目干部考察", "干部一科"),
            ("部务会确定：创新专班工作规程及流程图", "研究室"),
        ),
    ),
    (
        "制度文件修订",
        "ZD",
        tuple(
            (f"修订《{doc}》", section)
            for doc, section in (
                ("作风能力提升年考核办法", "办公室"),
                ("信息宣传工作规定", "研究室"),
                ("办文办会工作规范", "办公室"),
                ("部务会议事决策规则", "办公室"),
                ("请示报告制度", "办公室"),
                ("督查督办工作办法", "干部监督科"),
                ("公文处理实施细则", "办公室"),
                ("保密工作制度", "办公室"),
                ("财务管理办法", "办公室"),
                ("固定资产管理办法", "办公室"),
                ("值班值守制度", "办公室"),
                ("考勤和请休假制度", "公务员管理科"),
                ("组工信息报送办法", "研究室"),
                ("档案管理制度", "干部二科"),
                ("公务接待规定", "办公室"),
                ("“五个一”学习机制实施办法", "组织科"),
                ("科室讲评制度", "干部监督科"),
                ("创新专班工作规程", "研究室"),
                ("青年干部导师制实施办法", "干部一科"),
                ("“金点子”征集采纳办法", "办公室"),
                ("干部谈心谈话制度", "干部监督科"),
            )
        ),
    ),
    (
        "形象提升任务",
        "XS",
        (
            ("组工干部形象“大调研”", "研究室"),
            ("组工干部形象“大讨论”", "办公室"),
            ("组工干部形象“大落实”整改清单", "干部监督科"),
        ),
    ),
)

# (first start month, last start month, earliest due month, latest due month) per ledger.
_TASK_TIMING = {
    "组织保障专项台账": (1, 2, 6, 12),
    "基础夯实工程": (2, 3, 5, 12),
    "揭榜挂帅": (3, 3, 10, 12),
    "重点任务清单": (1, 1, 6, 12),
    "制度文件修订": (2, 3, 4, 9),
    "形象提升任务": (4, 4, 9, 12),
}


@dataclass(eq=False)
class _Task:
    code: str
    name: str
    ledger: str
    section: str
    owner: _Person
    start: date
    due: date
    profile: str = "on_time"  # on_time | late | overdue | behind | open | silent | stale


# Words for reasons, titles and notes -------------------------------------------------------------

_TOPICS = (
    "“红色网格”赋能基层治理",
    "青年干部“墩苗”计划",
    "“五个一”学习机制",
    "疫情防控一线党员突击队",
    "“通识导师制”培养年轻干部",
    "楼宇党建“红色驿站”",
    "人才服务“一站式”平台",
    "社区工作者职业体系建设",
    "干部政治素质考察具象化",
    "“科长擂台”比学赶超",
    "党建引领老旧小区改造",
    "“两新”组织“链上党建”",
    "招商引资一线识别干部",
    "“揭榜挂帅”攻坚创新项目",
    "机关党建文化墙",
    "“每日鉴学”拓宽视野",
    "街道党工委书记抓党建述职",
    "流动党员“云上管理”",
    "年轻干部“实战大练兵”",
    "“金点子”征集活动",
    "发展党员全程纪实",
    "干部担当作为激励",
    "“公信、阳光、开放”组工品牌",
    "重点项目一线考察干部",
    "“李沧青年干部学堂”",
)
_OUTLETS = (
    "区委《每日要情》",
    "区委《李沧工作》",
    "《李沧组工》公众号",
    "市委组织部《组工信息》",
    "《青岛组工》公众号",
    "青岛日报",
    "青岛新闻网",
    "区政府网站",
    "《灯塔-党建在线》",
    "学习强国青岛学习平台",
)
_HIGH_OUTLETS = (
    "省委组织部《组工信息》",
    "《中国组织人事报》",
    "《山东组工》公众号",
    "市委组织部《组织工作专刊》",
    "《党员干部之友》",
)
_WORKS = (
    "年轻干部队伍建设调研报告",
    "年度组织工作要点",
    "基层党建述职评议方案",
    "疫情防控一线干部考察材料",
    "人才工作年度总结",
    "公务员平时考核实施方案",
    "干部监督工作报告",
    "党代会筹备工作方案",
    "换届风气监督情况报告",
    "招才引智政策汇编",
    "组织工作信息化建设方案",
    "社区工作者队伍建设调研",
    "重点项目干部考察报告",
    "干部教育培训规划",
)
_PRAISERS = (
    (1, "获区委主要领导肯定性批示"),
    (1, "获区委分管领导肯定性批示"),
    (2, "获市委组织部肯定并转发"),
    (2, "获市委领导肯定性批示"),
    (3, "被省委组织部推广"),
)
_ERRORS = ("出现错别字", "数据前后不一致", "格式不规范被退回", "附件缺漏被退回")
_RECEIVERS = ("区委办", "市委组织部", "区政府办", "区委督查室")
_CHORES = (
    "干部队伍结构分析",
    "选调生跟踪培养情况统计",
    "换届后班子运行情况调研",
    "基层党组织书记培训",
    "“两新”组织党建数据核查",
    "党员组织关系排查",
    "公务员年度考核备案",
    "干部人事档案专项审核材料",
    "区委交办的干部调研",
    "人才项目申报材料",
    "组工信息季度汇总",
    "党员发展计划审核",
    "干部选拔任用纪实材料",
    "领导班子运行分析报告",
    "疫情防控干部排班",
)
_DISCIPLINE = ("值班期间脱岗", "未经批准擅自外出", "会议期间多次接打电话影响会场纪律", "公务用车未按规定登记使用")
_LATENESS = ("上午迟到", "下午迟到", "早退", "擅离岗位未报备")
_VETOES = (
    "违反保密纪律，使用互联网计算机处理内部文件",
    "违反保密纪律，通过微信传送内部材料",
    "违反廉洁纪律，接受管理服务对象宴请",
)
_CITIES = (
    "深圳市",
    "杭州市",
    "宁波市",
    "苏州市",
    "成都市",
    "厦门市",
    "济南市",
    "烟台市",
    "潍坊市",
    "威海市",
    "上海市浦东新区",
    "北京市朝阳区",
    "广州市天河区",
    "南京市江宁区",
    "武汉市",
    "合肥市",
    "西安市",
    "长沙市",
    "无锡市",
    "常州市",
    "嘉兴市",
    "绍兴市",
    "泉州市",
    "佛山市",
    "东莞市",
)
_PRACTICES = (
    "推行年轻干部“墩苗”计划",
    "建立干部担当作为正向激励机制",
    "实施基层党组织“堡垒指数”管理",
    "打造“红色物业”服务品牌",
    "开展“两新”组织党建“百日攻坚”",
    "构建人才“一站式”服务体系",
    "推进干部政治素质考察具象化",
    "建立“导师帮带”培养机制",
    "实施机关作风“亮晒比”",
    "深化“四述”评议机制",
    "打造“党建+网格”治理模式",
    "开展“擂台比武”提升干部能力",
    "建立重点项目一线考察干部机制",
    "推行组工干部“全岗通”培养",
    "打造楼宇党建“红色驿站”",
    "建立社区工作者职业体系",
    "实施“头雁工程”提升书记队伍",
    "推进党员教育“积分制”管理",
    "建立容错纠错实施细则",
    "开展“揭榜挂帅”攻坚重点改革",
    "创新“云上党支部”管理流动党员",
    "实施高校毕业生“青春留青”计划",
    "建立干部“实绩档案”",
    "推行“清单化”督查督办",
    "打造“15分钟党群服务圈”",
    "开展年轻干部“上挂下派”实践锻炼",
    "建立“一人一档”人才联络机制",
    "实施“党建引领基层治理”攻坚行动",
    "推进机关党建和业务深度融合",
    "建立“周调度、月讲评、季考核”机制",
)
_ARTICLES = (
    "《求是》：把党的政治建设摆在首位",
    "《人民日报》：以过硬作风推动工作落实",
    "《学习时报》：年轻干部要练就过硬本领",
    "《中国组织人事报》：提高组织工作质量",
    "《党建研究》：抓基层打基础",
    "《求是》：发扬斗争精神增强斗争本领",
    "《人民日报》：让干部在一线经受磨炼",
    "《学习时报》：调查研究是谋事之基",
    "《光明日报》：涵养为民情怀",
    "《中国组织人事报》：建设模范部门和过硬队伍",
    "《人民日报》：以钉钉子精神抓落实",
    "《学习时报》：善于在大局下思考",
)
_STUDY_TOPICS = (
    "学习贯彻党代会精神",
    "《中国共产党组织工作条例》",
    "干部选拔任用工作条例",
    "《中国共产党支部工作条例》",
    "公务员法及配套法规",
    "党员发展工作细则",
    "干部监督工作规定",
    "人才工作政策要点",
    "疫情防控中的党组织作用",
    "基层治理现代化",
    "保密法律法规",
    "党的二十大报告",
    "组织工作“四提”“五要”要求",
    "“公信、阳光、开放”组工品牌建设",
)
_PLACES = (
    "赴青岛党史纪念馆开展主题党日",
    "走进李沧区重点项目现场观摩",
    "赴即墨革命烈士纪念馆重温入党誓词",
    "赴世园街道社区开展志愿服务",
    "赴胶东革命纪念馆接受红色教育",
    "走进重点企业观摩学习",
    "赴王尽美纪念馆开展党性教育",
    "赴城市更新项目一线观摩",
    "赴老旧小区改造现场调研",
    "走进社区党群服务中心学习",
    "赴廉政教育基地开展警示教育",
    "赴青岛党员教育基地开展主题党日",
)
_LECTURES = (
    ("全区经济运行形势分析", "区发改局负责同志"),
    ("招商引资政策与实务", "区投资促进局负责同志"),
    ("城市更新和城市建设三年攻坚", "区城市更新和城市建设指挥部负责同志"),
    ("政府财政预算管理", "区财政局负责同志"),
    ("数字经济发展趋势", "青岛大学教授"),
    ("应急管理与安全生产", "区应急局负责同志"),
    ("干部政治素质考察实务", None),
    ("组织工作信息化建设", None),
    ("公文写作与信息报送", None),
    ("年轻干部成长的几点体会", None),
)
_STREETS = (
    "九水街道",
    "世园街道",
    "虎山路街道",
    "李村街道",
    "兴华路街道",
    "浮山路街道",
    "湘潭路街道",
    "楼山街道",
    "振华路街道",
)
_COMMUNITIES = (
    "东山社区",
    "南庄社区",
    "河南社区",
    "书院路社区",
    "西山社区",
    "虎山社区",
    "文昌社区",
    "坊子街社区",
    "翠湖社区",
    "杨家群社区",
)
_COMPANIES = (
    "青岛海创智能科技有限公司",
    "青岛宏达机械制造有限公司",
    "青岛润泽生物医药有限公司",
    "青岛瑞丰新材料有限公司",
    "青岛北岸数字科技有限公司",
    "青岛中联物流有限公司",
    "青岛惠民商贸有限公司",
    "青岛华信检测技术有限公司",
    "青岛启航教育科技有限公司",
    "青岛鼎盛建设工程有限公司",
    "青岛万和食品有限公司",
    "青岛东方电子有限公司",
)
_FRONTS = ("疫情防控", "营流路片区拆迁改造", "蓝谷至胶东机场快速路建设", "重点项目建设专班", "老旧小区改造")
_SERVICES = (
    "疫情防控志愿服务",
    "核酸检测秩序维护",
    "文明城市创建志愿服务",
    "垃圾分类宣传",
    "关爱独居老人志愿服务",
    "交通文明劝导",
)
_SUGGESTIONS = (
    "建立科室工作周报共享机制",
    "优化请销假线上审批流程",
    "组工信息选题提前会商",
    "年轻干部轮岗锻炼清单化",
    "开展“一周一案例”业务分享",
    "完善干部档案查借阅登记",
    "设立机关读书角",
    "规范会议材料提前报送时限",
    "党员教育课件共享库",
    "督办事项到期自动提醒",
    "“每日鉴学”按主题分类归档",
    "组工讲堂录像回看",
    "干部考察谈话提纲标准化",
    "人才政策一图读懂",
    "社区党建工作手册口袋书",
    "公文模板统一编号",
    "“金点子”办理结果公开",
    "新进人员“第一课”制度",
    "外出考察成果转化清单",
    "窗口服务评价二维码",
)
_COMPETITIONS = ("组织工作业务知识竞赛", "公文写作比武")
_DRILLS = ("干部档案审核", "党员发展程序", "公务员登记备案", "干部监督信息核查")
_FORUMS = (
    (3, 18, "学习贯彻市党代会精神体会交流", 4, False),
    (5, 4, "青年组工干部分享", 8, True),
    (6, 17, "学习贯彻省党代会精神体会交流", 4, False),
    (7, 22, "半年工作复盘检视", 8, False),
    (9, 23, "“我为组织工作建言”交流", 4, False),
    (11, 25, "学习贯彻党的二十大精神交流", 5, False),
)
_VISITS = ((4, 21, "崂山区", "基层党建"), (6, 16, "西海岸新区", "干部工作"), (9, 15, "城阳区", "人才工作"))
# (month, day, arena, topic, contestants or 0 for every section head, judges)
_ARENAS = (
    (3, 25, "学习擂台", "学习贯彻党代会精神知识擂台", 6, 8),
    (4, 15, "科长擂台", "一季度工作晒比", 0, 9),
    (5, 20, "业务擂台", "干部选拔任用全流程讲解", 6, 10),
    (6, 24, "学习擂台", "“五个一”学习心得交流", 5, 4),
    (7, 15, "科长擂台", "半年工作复盘检视", 0, 10),
    (9, 16, "业务擂台", "基层党建业务全要素分析", 6, 9),
    (10, 28, "学习擂台", "干部工作政策法规擂台", 6, 12),
    (11, 18, "业务擂台", "人才工作政策讲解", 5, 7),
    (12, 16, "学习擂台", "学习党的二十大精神擂台", 6, 11),
)
SELF_MARK_SESSION = (9, 16)

# Points per person per month for the items that do not follow from another sheet; negatives do not grow with drive.
_POSITIVE_RATES = (("XC01", 3.0), ("ZL01", 1.3), ("TJ01", 1.5), ("DC01", 0.45), ("XC02", 0.2))
_NEGATIVE_RATES = (("JL02", 0.3), ("DC03", 0.1), ("ZL02", 0.14), ("TJ02", 0.012), ("JL01", 0.02))
_VETO_MONTHS = (3, 8, 11)
_REPRIMAND_MONTHS = (5, 10)

_HOLIDAYS = {(1, 1), (5, 2), (5, 3), (10, 3), (10, 4), (10, 5), (10, 6), (10, 7)}
_QUARTER_WORDS = "一二三四"


# Calendar ----------------------------------------------------------------------------------------


def _workday(day: date) -> bool:
    return day.weekday() < 5 and (day.month, day.day) not in _HOLIDAYS


def _next_workday(day: date) -> date:
    while not _workday(day):
        day += timedelta(days=1)
    return day


def _workdays(year: int, month: int) -> list[date]:
    day = date(year, month, 1)
    out = []
    while day.month == month:
        if _workday(day):
            out.append(day)
        day += timedelta(days=1)
    return out


def _fridays(year: int) -> list[date]:
    day = date(year, 1, 1)
    day += timedelta(days=(4 - day.weekday()) % 7)
    out = []
    while day.year == year:
        out.append(day)
        day += timedelta(days=7)
    return out


def _friday_on_or_before(day: date) -> date:
    return day - timedelta(days=(day.weekday() - 4) % 7)


def _poisson(rng: random.Random, lam: float) -> int:
    if lam <= 0:
        return 0
    limit, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


# The simulated year ------------------------------------------------------------------------------


@dataclass
class _Point:
    day: date
    person: _Person
    code: str
    points: float
    reason: str
    evidence: str | None


@dataclass
class _Attend:
    day: date
    person: _Person
    activity: str
    title: str
    role: str
    hours: float | None


@dataclass
class _Mark:
    day: date
    arena: str
    topic: str
    contestant: _Person
    judge: _Person
    mark: float


@dataclass
class _Year:
    year: int
    rng: random.Random
    book: rb.RuleBook
    people: list[_Person] = field(default_factory=list)
    tasks: list[_Task] = field(default_factory=list)
    snapshots: list[dict[str, Any]] = field(default_factory=list)
    points: list[_Point] = field(default_factory=list)
    attends: list[_Attend] = field(default_factory=list)
    marks: list[_Mark] = field(default_factory=list)
    _keys: set[tuple] = field(default_factory=set)

    def day(self, month: int, day: int) -> date:
        return date(self.year, month, day)

    @property
    def rules_from(self) -> date:
        return self.day(*RULES_FROM)

    def value(self, code: str, day: date) -> float:
        """The fixed points of an item on a day, with the mid-year raise applied."""
        item = self.book.item(code)
        raise_by = 1.0 if code == RAISED_ITEM and day >= self.rules_from else 0.0
        return item.points_min + raise_by

    def add_point(
        self,
        day: date,
        person: _Person,
        code: str,
        reason: str,
        points: float | None = None,
        evidence: str | None = None,
    ) -> bool:
        """Record an event unless the importer would take it for a duplicate row (same day, person, item, reason)."""
        value = self.value(code, day) if points is None else points
        key = (day, person.staff_no, code, value, reason)
        if key in self._keys or not person.present(day):
            return False
        self._keys.add(key)
        self.points.append(_Point(day, person, code, value, reason, evidence))
        return True

    def attend(
        self, day: date, person: _Person, activity: str, title: str, role: str = "参与", hours: float | None = None
    ) -> None:
        if person.present(day):
            self.attends.append(_Attend(day, person, activity, title, role, hours))

    def on(self, day: date) -> list[_Person]:
        return [p for p in self.people if p.present(day)]


def _names(rng: random.Random, count: int) -> list[str]:
    surnames = "".join(chars * weight for chars, weight in _SURNAMES)
    taken = {DUPLICATE_NAME}
    out = []
    while len(out) < count:
        given = rng.choice(_GIVEN) if rng.random() < 0.35 else rng.choice(_GIVEN_FIRST) + rng.choice(_GIVEN)
        name = rng.choice(surnames) + given
        if name not in taken and len(set(given)) == len(given):
            taken.add(name)
            out.append(name)
    return out


def _category(title: str, young: bool) -> str:
    # Every row names a 人员类别: a roster re-upload with blank ones reads as changes to every such person.
    if title.endswith("部长"):
        return "部领导"
    if young:
        return "青年干部"
    if title in ("科长", "主任", "副科长", "副主任"):
        return "中层干部"
    return "一般干部"


def _people(y: _Year) -> None:
    rng = y.rng
    total = sum(len(titles) for _, titles in SECTIONS) + 1
    names = _names(rng, total)
    number = 0
    for section, titles in SECTIONS:
        for title in titles:
            number += 1
            youth = {"科员": 0.85, "一级科员": 0.6, "四级主任科员": 0.3}.get(title, 0.0)
            drive = 0.0 if title == "部长" else rng.uniform(0.55, 1.45) * (0.45 if title.endswith("部长") else 1.0)
            y.people.append(
                _Person(
                    names[number - 1],
                    section,
                    title,
                    _category(title, rng.random() < youth),
                    f"LC{number:03d}",
                    drive,
                )
            )

    def pick(section: str, title: str) -> _Person:
        return next(p for p in y.people if p.section == section and p.title == title and not p.fixed)

    for section, title in (("组织科", "科员"), ("公务员管理科", "一级科员")):
        twin = pick(section, title)
        twin.name, twin.fixed = DUPLICATE_NAME, True
    for section, title, to in (("组织科", "一级科员", "研究室"), ("干部二科", "科员", "干部监督科")):
        mover = pick(section, title)
        mover.moved, mover.fixed = (y.day(*MOVE_ON), to), True
    leaver = pick("公务员管理科", "一级主任科员")
    leaver.left, leaver.fixed = y.day(*LEAVE_ON), True
    pick("干部监督科", "四级主任科员").new_title = "副科长"
    y.people.append(
        _Person(
            names[-1],
            "干部一科",
            "科员",
            "青年干部",
            f"LC{total:03d}",
            rng.uniform(0.8, 1.2),
            joined=y.day(*JOIN_ON),
            fixed=True,
        )
    )


# Tasks -------------------------------------------------------------------------------------------


def _tasks(y: _Year) -> None:
    rng = y.rng
    end = date(y.year, 12, 31)
    for ledger, prefix, entries in _TASKS:
        for n, (name, section) in enumerate(entries, start=1):
            owners = [p for p in y.people if p.section == section and not p.fixed and not p.title == "部长"]
            if ledger in ("揭榜挂帅", "重点任务清单", "领导批示督办"):
                owners = [p for p in owners if p.head or p.deputy or p.leader] or owners
            owner = rng.choice(owners)
            if ledger == "领导批示督办":
                start = y.day(rng.randint(4, 9), rng.randint(1, 28))
                due = start + timedelta(days=rng.choice((30, 45, 60)))
            elif ledger == "会议确定事项":
                start = y.day(rng.randint(2, 9), rng.randint(1, 28))
                due = start + timedelta(days=rng.choice((45, 60, 90)))
            elif ledger == "制度文件修订" and n == 1:
                start, due = y.day(1, 10), y.day(2, 28)
            else:
                first, last, due_first, due_last = _TASK_TIMING[ledger]
                start = y.day(rng.randint(first, last), rng.randint(1, 25))
                due_month = rng.randint(due_first, due_last)
                due = date(y.year, due_month, 30 if due_month != 2 else 28)
                if ledger == "揭榜挂帅" and n in (3, 7):
                    due = date(y.year + 1, 6, 30)
            y.tasks.append(
                _Task(f"{prefix}-{n:02d}", name, ledger, section, owner, start, min(due, date(y.year + 1, 6, 30)))
            )
    # Most tasks close on time; a few close late, a few are overdue, a few lag, two fall silent for weeks.
    ending = [t for t in y.tasks if t.due <= end - timedelta(days=30)]
    running = [t for t in y.tasks if t.due > end - timedelta(days=30)]
    rng.shuffle(ending)
    rng.shuffle(running)
    for task in ending[:6]:
        task.profile = "late"
    for task in ending[6:10]:
        task.profile = "overdue"
    # Two long tasks fall silent for a month or more before they are closed on time.
    for task in [t for t in ending[10:] if (t.due - t.start).days >= 150][:2]:
        task.profile = "silent"
    # A handful of the year-long tasks carry over into next year, so the year-end ledger still shows every light.
    for n, task in enumerate(running):
        if n < 5:
            task.profile = "behind"
        elif n < 7:
            task.profile = "stale"
        elif n < 10 or task.due > end:
            task.profile = "open"
        if task.profile != "on_time" and task.due <= end:
            task.due = date(y.year + 1, 3, 31) if n % 2 else date(y.year + 1, 6, 30)
    for task in y.tasks:
        _simulate(y, task)


def _note(rng: random.Random, task: _Task, stage: str, progress: float) -> str:
    if stage == "领办登记":
        return rng.choice(("已领办登记，正在制定工作方案", "已明确责任人和时间节点", "已召开专题会研究部署"))
    if stage == "即时反馈":
        return rng.choice(("已报送办理情况，等待审核销号", "主体工作完成，已反馈办理结果"))
    if stage == "办结销号":
        if task.ledger == "制度文件修订":
            return "已经部务会审议通过并印发"
        return rng.choice(("已办结，材料已归档", "已办结销号，成果已报送"))
    if task.profile == "overdue" and progress >= 60:
        return rng.choice(("受疫情影响进度滞后，正在加快推进", "已超期，正在督促加快办理"))
    if task.profile == "behind":
        return rng.choice(("进度滞后，已督促加快推进", "协调难度较大，正在研究推进措施"))
    if task.ledger == "制度文件修订":
        if progress < 40:
            return "正在梳理现行制度、调研起草"
        return "已形成初稿，正在征求意见" if progress < 75 else "已修改完善，拟提交部务会审议"
    if progress < 40:
        return rng.choice(("正在开展调研摸底", "方案已印发，正在组织实施", "已召开推进会，细化任务分工"))
    if progress < 80:
        return rng.choice(("按节点推进，已完成阶段性任务", "正在督导落实，已召开调度会", f"已完成约{int(progress)}%"))
    return "主体工作已完成，正在查漏补缺"


def _simulate(y: _Year, task: _Task) -> None:
    """Weekly snapshots (one row per Friday while the task is open) and the points that follow from them."""
    rng = y.rng
    fridays = [f for f in _fridays(y.year) if f >= task.start]
    if not fridays:
        return
    close: date | None = None
    if task.profile in ("on_time", "silent"):
        close = _friday_on_or_before(task.due - timedelta(days=rng.choice((0, 0, 7, 14))))
        close = max(close, fridays[min(2, len(fridays) - 1)])
    elif task.profile == "late":
        close = _friday_on_or_before(task.due + timedelta(days=rng.randint(8, 35)))
    gap: tuple[date, date] | None = None
    if task.profile == "silent" and close is not None:
        before_close = [f for f in fridays if f < close - timedelta(days=14)]
        first = before_close[len(before_close) // 3]
        weeks = min(rng.randint(4, 6), len(before_close) - len(before_close) // 3 - 1)
        gap = (first, first + timedelta(days=7 * weeks))
    stale_after = date(y.year, 11, 18) if task.profile == "stale" else None
    pace = {"behind": 0.55, "overdue": 0.75, "late": 0.85}.get(task.profile, 1.0)
    curve = rng.uniform(0.8, 1.2)
    progress = 0.0
    missed = 0
    milestone = False
    overdue_noted: set[int] = set()
    for week, friday in enumerate(fridays):
        if close is not None and friday > close:
            break
        if gap and gap[0] <= friday < gap[1]:
            missed += 1
            continue
        if stale_after and friday > stale_after:
            break
        if missed:
            y.add_point(friday, task.owner, "DC03", f"“{task.name}”连续{missed}周未反馈进展", evidence="督查通报")
            missed = 0
        if friday == close:
            progress, stage = 100.0, "办结销号"
        else:
            # Tasks that will close pace themselves to the closing week; the others to their due date.
            target = close if close is not None else task.due
            fraction = max(0.0, (friday - task.start).days) / max((target - task.start).days, 7)
            planned = 100 * min(fraction, 1.0) ** curve * pace + rng.uniform(-4, 6)
            if task.profile == "overdue" and friday > task.due:
                planned = progress + rng.choice((0, 0, 5))
            progress = max(progress, min(95.0, 5 * round(planned / 5)))
            if week == 0:
                progress, stage = min(progress, 10.0), "领办登记"
            elif progress >= 90 and close is not None and (close - friday).days <= 14:
                stage = "即时反馈"
            else:
                stage = "全程督查"
        y.snapshots.append(
            {
                "code": task.code,
                "name": task.name,
                "ledger": task.ledger,
                "section": task.section,
                "owner": task.owner.name,
                "start": task.start,
                "due": task.due,
                "progress": progress,
                "stage": stage,
                "note": _note(rng, task, stage, progress),
                "updated": friday,
            }
        )
        if task.ledger == "揭榜挂帅" and not milestone and progress >= 50:
            milestone = True
            y.add_point(
                friday, task.owner, "CX01", f"揭榜挂帅项目“{task.name}”取得阶段成果", evidence="创新专班评估意见"
            )
        if stage == "办结销号":
            if friday <= task.due:
                y.add_point(friday, task.owner, "DC01", f"牵头的“{task.name}”按期办结销号", evidence="销号单")
            if task.ledger == "揭榜挂帅":
                y.add_point(
                    friday, task.owner, "CX01", f"揭榜挂帅项目“{task.name}”完成揭榜", evidence="创新专班评估意见"
                )
        elif friday > task.due and friday.month not in overdue_noted:
            overdue_noted.add(friday.month)
            y.add_point(
                friday,
                task.owner,
                "DC02",
                f"督办事项“{task.name}”逾期未办结（{friday.month}月督查）",
                evidence="督办专报",
            )


# Participation -----------------------------------------------------------------------------------


def _five_one(y: _Year) -> None:
    """The 五个一 cycle with good but imperfect attendance; an unexcused absence costs a point."""
    rng = y.rng
    sessions: list[tuple[date, str, str, float, float]] = []
    monday = date(y.year, 1, 1) + timedelta(days=(7 - date(y.year, 1, 1).weekday()) % 7)
    week = 0
    while monday.year == y.year:
        week += 1
        article = _ARTICLES[(week - 1) % len(_ARTICLES)]
        sessions.append((_next_workday(monday), "荐学", f"每周一文第{week}期：{article}", 0.5, 0.93))
        monday += timedelta(days=7)
    for month in range(1, 13):
        for half, around in enumerate((10, 25)):
            day = _next_workday(y.day(month, around))
            topic = _STUDY_TOPICS[(2 * (month - 1) + half) % len(_STUDY_TOPICS)]
            sessions.append((day, "研学", f"支部研学：{topic}（{month}月{'上' if half == 0 else '下'}）", 2.0, 0.9))
        sessions.append((_next_workday(y.day(month, 18)), "游学", f"主题党日：{_PLACES[month - 1]}", 3.0, 0.9))
        if month % 3 == 0:
            q = month // 3
            sessions.append(
                (_next_workday(y.day(month, 27)), "评学", f"第{_QUARTER_WORDS[q - 1]}季度党员大会评学", 2.0, 0.95)
            )
    sessions.append((_next_workday(y.day(12, 29)), "奖学", f"{y.year}年度学习总结表彰大会", 2.0, 0.97))
    sessions.sort()
    readers = [p for p in y.people if not p.leader]
    for n, (day, activity, title, hours, rate) in enumerate(sessions):
        lead = None
        if activity == "荐学":
            present = [p for p in readers if p.present(day)]
            lead = present[n % len(present)]
        elif activity == "研学":
            lead = rng.choice([p for p in y.on(day) if p.head or p.leader])
        for person in y.on(day):
            if person is lead:
                y.attend(day, person, activity, title, "主讲", hours)
            elif person.title == "部长" or rng.random() < rate:
                y.attend(day, person, activity, title, "参与", hours)
            elif rng.random() < 0.14:
                short = title.split("：")[0] if "：" in title else title
                y.add_point(day, person, "XX03", f"无故缺席{day.month}月{day.day}日{short}", evidence="签到表")


def _lectures_and_forums(y: _Year) -> None:
    rng = y.rng
    months = (2, 3, 4, 5, 6, 7, 9, 10, 11, 12)
    for n, (month, (topic, guest)) in enumerate(zip(months, _LECTURES), start=1):
        day = _next_workday(y.day(month, 8 + n % 5))
        title = f"组工讲堂第{n}讲：{topic}"
        speaker = None
        if guest is None:
            speaker = rng.choice([p for p in y.on(day) if p.head or (p.leader and p.title != "部长")])
            y.attend(day, speaker, "组工讲堂", title, "主讲", 2.0)
            y.add_point(day, speaker, "XX01", f"担任{title}主讲", evidence="讲堂课件")
        else:
            title += f"（{guest}授课）"
        for person in y.on(day):
            if person is not speaker and rng.random() < 0.8:
                y.attend(day, person, "组工讲堂", title, "参与", 2.0)

    # 31 people speak at the 组工论坛 over the year; two of them speak twice.
    speakers: list[_Person] = []
    for month, dom, title, count, youth_only in _FORUMS:
        day = _next_workday(y.day(month, dom))
        pool = [p for p in y.on(day) if p.title != "部长" and p.name != DUPLICATE_NAME]
        fresh = [p for p in pool if p not in speakers and (not youth_only or p.category == "青年干部")]
        rng.shuffle(fresh)
        chosen = fresh[:count]
        if month == 7:
            chosen = chosen[: count - 1] + [rng.choice([p for p in speakers if p.present(day)])]
        if month == 11:
            chosen = chosen[: count - 1] + [rng.choice([p for p in speakers if p.present(day) and p not in chosen])]
        for person in chosen:
            if person not in speakers:
                speakers.append(person)
            y.attend(day, person, "组工论坛", f"组工论坛：{title}", "主讲", 1.0)
            y.add_point(day, person, "XX01", f"在组工论坛“{title}”上作交流发言", evidence="论坛议程")

    for month, title in zip((6, 11), _COMPETITIONS):
        day = _next_workday(y.day(month, 22))
        entrants = rng.sample([p for p in y.on(day) if not p.leader], 20)
        for person in entrants:
            y.attend(day, person, "业务比武", title, "参与", 3.0)
        for person, (points, prize) in zip(
            entrants, ((3, "一等奖"), (2, "二等奖"), (2, "二等奖"), (1, "三等奖"), (1, "三等奖"))
        ):
            y.add_point(day, person, "XX02", f"在{title}中获{prize}", points=float(points), evidence="比武成绩通报")
    for quarter, drill in enumerate(_DRILLS, start=1):
        day = _next_workday(y.day(3 * quarter, 9))
        entrants = rng.sample([p for p in y.on(day) if not p.leader], rng.randint(15, 22))
        title = f"岗位练兵：{drill}"
        for person in entrants:
            y.attend(day, person, "岗位练兵", title, "参与", 2.0)
        for person, prize in zip(entrants, ("第一名", "第二名")):
            y.add_point(
                day, person, "XX02", f"{title}获{prize}", points=2.0 if prize == "第一名" else 1.0, evidence="练兵成绩"
            )


def _daily_pushes(y: _Year) -> None:
    """每日鉴学: one informant per section takes turns to push an outside experience almost every working day."""
    rng = y.rng
    pushers = []
    for section in SECTION_NAMES:
        pool = [p for p in y.people if p.section == section and not p.fixed and not p.leader and not p.head]
        pushers.append(rng.choice(pool))
    titles = [f"{city}：{practice}" for city in _CITIES for practice in _PRACTICES]
    rng.shuffle(titles)
    turn = 0
    for month in range(1, 13):
        for day in _workdays(y.year, month):
            for _ in range(2 if rng.random() < 0.72 else 1):
                person = pushers[turn % len(pushers)]
                turn += rng.choice((1, 1, 2))
                title = titles.pop()
                y.attend(day, person, "每日鉴学", title)
                y.add_point(day, person, "XC03", f"每日鉴学推送：{title}", evidence="微信群推送记录")


def _field_work(y: _Year) -> None:
    rng = y.rng
    staff = [p for p in y.people if not p.leader]
    # 一线实践: a dozen people spend two to four months at a front line, one row a month.
    for person in rng.sample([p for p in staff if not p.fixed], 12):
        front = rng.choice(_FRONTS)
        first = rng.randint(2, 9)
        for month in range(first, min(first + rng.randint(2, 4), 13)):
            day = _next_workday(y.day(month, 1))
            y.attend(day, person, "一线实践", f"一线实践锻炼：{front}（第{month - first + 1}个月）")
            y.add_point(day, person, "YX01", f"到{front}一线实践锻炼（{month}月）", evidence="一线实践考勤")
    # 联企业联群众: 54 people visit their enterprise or households two to four times.
    for person in rng.sample([p for p in staff if p.joined is None], 54):
        company = rng.choice(_COMPANIES)
        home = f"{rng.choice(_STREETS)}{rng.choice(_COMMUNITIES)}"
        visits: set[tuple[date, str]] = set()
        for _ in range(rng.randint(2, 4)):
            day = _next_workday(y.day(rng.randint(3, 12), rng.randint(1, 28)))
            if rng.random() < 0.5:
                title, reason = f"走访联系企业：{company}", f"走访联系企业{company}，帮助解决用工难题"
            else:
                title, reason = f"走访联系群众：{home}", f"走访{home}联系户，了解困难诉求"
            if (day, title) in visits:
                continue
            visits.add((day, title))
            y.attend(day, person, "联企业联群众", title)
            y.add_point(day, person, "YX03", reason, evidence="走访记录")
    # 志愿服务: group turns in the communities, heavier in the spring outbreak.
    for month in range(1, 13):
        for _ in range(3 if month in (3, 4, 5) else 1):
            day = _next_workday(y.day(month, rng.randint(1, 27)))
            where = f"{rng.choice(_STREETS)}{rng.choice(_COMMUNITIES)}"
            service = "核酸检测秩序维护" if month in (3, 4, 5) else rng.choice(_SERVICES)
            title = f"{where}{service}"
            for person in rng.sample([p for p in staff if p.present(day)], rng.randint(6, 10)):
                y.attend(day, person, "志愿服务", title, hours=4.0)
                y.add_point(day, person, "YX02", f"参加{title}", evidence="志愿服务记录")
    # 考察学习: three teams, each led by a deputy head of the department.
    leads = [p for p in y.people if p.leader and p.title != "部长"]
    for n, ((month, dom, place, topic), lead) in enumerate(zip(_VISITS, leads)):
        day = _next_workday(y.day(month, dom))
        team = [lead, *rng.sample([p for p in staff if p.present(day) and not p.fixed], rng.randint(4, 5))]
        title = f"考察学习第{_QUARTER_WORDS[n]}小分队：赴{place}学习{topic}"
        for person in team:
            y.attend(day, person, "考察学习", title, hours=8.0)
    # 金点子: suggestions through the year; about a third are adopted some weeks later.
    for n in range(48):
        day = _next_workday(y.day(rng.randint(2, 12), rng.randint(1, 28)))
        person = rng.choice([p for p in staff if p.present(day)])
        idea = _SUGGESTIONS[n % len(_SUGGESTIONS)]
        title = f"金点子：{idea}" if n < len(_SUGGESTIONS) else f"金点子：{idea}（补充建议）"
        y.attend(day, person, "金点子", title)
        adopted = day + timedelta(days=rng.randint(14, 40))
        if rng.random() < 0.35 and adopted.year == y.year:
            y.add_point(_next_workday(adopted), person, "CX02", f"金点子“{idea}”被采纳", evidence="部务会纪要")


# Points ------------------------------------------------------------------------------------------


def _reason(y: _Year, code: str, person: _Person, day: date) -> tuple[float | None, str, str | None]:
    """(points or None for the item's fixed value, reason, evidence) as a clerk would word them."""
    rng = y.rng
    if code == "XC01":
        outlet = rng.choice(_OUTLETS)
        return None, f"{rng.choice(_TOPICS)}相关信息被{outlet}采用", f"{outlet}{day.month}月刊发"
    if code == "XC02":
        outlet = rng.choice(_HIGH_OUTLETS)
        return None, f"{rng.choice(_TOPICS)}经验做法被{outlet}刊发推广", outlet
    if code == "ZL01":
        points, praise = rng.choice(_PRAISERS)
        return float(points), f"{rng.choice(_WORKS)}{praise}", "批示件"
    if code == "ZL02":
        return None, f"报送{rng.choice(_RECEIVERS)}的{rng.choice(_WORKS)}{rng.choice(_ERRORS)}", "退文记录"
    if code == "ZL03":
        return None, f"{rng.choice(_WORKS)}报送严重超时，被市委组织部通报批评", "市委组织部通报"
    if code == "TJ01":
        other = rng.choice([s for s in SECTION_NAMES if s != person.section_on(day)])
        return None, f"协助{other}完成{rng.choice(_CHORES)}，受到表扬", None
    if code == "TJ02":
        return None, f"在{rng.choice(_CHORES)}中推诿扯皮，影响工作推进", "督查通报"
    if code == "DC01":
        return None, f"领办的“{rng.choice(_CHORES)}”按期办结销号", "销号单"
    if code == "DC03":
        return None, f"“{rng.choice(_CHORES)}”未按要求即时反馈进展", "督查通报"
    if code == "JL01":
        return None, rng.choice(_DISCIPLINE), "考勤记录"
    if code == "JL02":
        return None, f"{day.month}月{day.day}日{rng.choice(_LATENESS)}", "考勤记录"
    raise KeyError(code)


def _points(y: _Year) -> None:
    rng = y.rng
    for month in range(1, 13):
        days = _workdays(y.year, month)
        # A few people have a big month: stars change hands from month to month.
        scorers = [p for p in y.people if p.drive > 0]
        hot = rng.sample(scorers, 4)
        for person in scorers:
            present = [d for d in days if person.present(d)]
            if not present:
                continue
            factor = person.drive * rng.lognormvariate(0, 0.35) * (2.0 if person in hot else 1.0)
            plans = [(code, rate * factor) for code, rate in _POSITIVE_RATES]
            plans += [(code, rate * rng.uniform(0.5, 1.5)) for code, rate in _NEGATIVE_RATES]
            for code, rate in plans:
                cap = y.book.item(code).monthly_cap
                over_cap_allowed = rng.random() < 0.06
                used = 0.0
                for _ in range(_poisson(rng, rate)):
                    day = rng.choice(present)
                    points, reason, evidence = _reason(y, code, person, day)
                    value = y.value(code, day) if points is None else points
                    if cap is not None and used + abs(value) > cap and not over_cap_allowed:
                        break
                    if y.add_point(day, person, code, reason, value, evidence):
                        used += abs(value)
    for month in _VETO_MONTHS:
        day = rng.choice(_workdays(y.year, month))
        person = rng.choice([p for p in y.on(day) if p.drive > 0 and not p.leader and not p.fixed])
        y.add_point(day, person, "JL03", _VETOES[_VETO_MONTHS.index(month)], evidence="区纪委监委通报")
    for month in _REPRIMAND_MONTHS:
        day = rng.choice(_workdays(y.year, month))
        person = rng.choice([p for p in y.on(day) if p.drive > 0 and not p.leader])
        points, reason, evidence = _reason(y, "ZL03", person, day)
        y.add_point(day, person, "ZL03", reason, points, evidence)


# Arenas ------------------------------------------------------------------------------------------


def _arenas(y: _Year) -> None:
    rng = y.rng
    for month, dom, arena, topic, count, panel in _ARENAS:
        day = _next_workday(y.day(month, dom))
        # Arena sheets carry no 科室, so the two people of the same name stay off the stage and the panel.
        eligible = [p for p in y.on(day) if p.name != DUPLICATE_NAME]
        if count == 0:
            contestants = [p for p in eligible if p.head]
            judges = [p for p in eligible if p.leader] + rng.sample([p for p in eligible if p.deputy], panel - 4)
        else:
            contestants = rng.sample([p for p in eligible if not p.leader], count)
            judges = rng.sample([p for p in eligible if p not in contestants], panel)
        if (month, dom) == SELF_MARK_SESSION:
            judges = judges[:-1] + [contestants[0]]
        skill = {id(p): rng.uniform(84, 94) for p in contestants}
        bias = {id(p): rng.uniform(-2, 2) for p in judges}
        for contestant in contestants:
            for judge in judges:
                if judge is contestant and (month, dom) != SELF_MARK_SESSION:
                    continue
                mark = skill[id(contestant)] + bias[id(judge)] + rng.gauss(0, 1.8)
                y.marks.append(_Mark(day, arena, topic, contestant, judge, min(98.0, max(80.0, round(mark * 2) / 2))))


def _simulate_year(year: int) -> _Year:
    y = _Year(year, random.Random(year * 7919 + 11), rb.default_book())
    _people(y)
    _tasks(y)
    _five_one(y)
    _lectures_and_forums(y)
    _daily_pushes(y)
    _field_work(y)
    _points(y)
    _arenas(y)
    return y


# Workbooks ---------------------------------------------------------------------------------------

_TITLE_FONT = Font(name="宋体", size=14, bold=True)
_BOLD = Font(name="宋体", bold=True)
_CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
_WIDTHS = {
    label: column.width
    for kind in KINDS.values()
    for column in kind.columns
    for label in (column.label, *column.synonyms)
}


@dataclass
class _Sheet:
    name: str
    title: str
    headers: list[str]
    rows: list[list[Any] | None]  # None leaves a blank row
    subtitle: str | None = None
    footer: list[list[Any]] = field(default_factory=list)
    merge_down: int | None = None  # a column whose runs of one value are merged vertically (科室)
    percent_column: int | None = None  # a column of fractions shown as percentages


def _date_cell(day: date, style: str) -> Any:
    if style == "cn":
        return f"{day.year}年{day.month}月{day.day}日"
    if style == "dot":
        return f"{day.year}.{day.month}.{day.day}"
    if style == "slash":
        return f"{day.year}/{day.month:02d}/{day.day:02d}"
    return day


def _with_blanks(rng: random.Random, rows: list[list[Any]], count: int) -> list[list[Any] | None]:
    """A blank row or two in the body, where a clerk deleted a line and left the gap."""
    out: list[list[Any] | None] = list(rows)
    for _ in range(count if len(rows) > 10 else 0):
        out.insert(rng.randint(3, len(out) - 2), None)
    return out


def _write_sheet(book: openpyxl.Workbook, spec: _Sheet) -> None:
    sheet = book.create_sheet(spec.name)
    width = len(spec.headers)
    sheet.append([spec.title])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    sheet["A1"].font = _TITLE_FONT
    sheet["A1"].alignment = _CENTER
    sheet.row_dimensions[1].height = 30
    if spec.subtitle:
        sheet.append([spec.subtitle])
    sheet.append(spec.headers)
    header_row = sheet.max_row
    for cell in sheet[header_row]:
        cell.font = _BOLD
        cell.alignment = _CENTER
    first = header_row + 1
    runs: list[tuple[int, int]] = []
    for offset, row in enumerate(spec.rows):
        if row is None:
            sheet.append([])
            continue
        if spec.merge_down is not None:
            value = row[spec.merge_down]
            if runs and spec.rows[offset - 1] is not None and spec.rows[offset - 1][spec.merge_down] == value:
                runs[-1] = (runs[-1][0], first + offset)
                row = list(row)
                row[spec.merge_down] = None
            else:
                runs.append((first + offset, first + offset))
        sheet.append(row)
    for start, end in runs:
        if end > start:
            column = spec.merge_down + 1
            sheet.merge_cells(start_row=start, start_column=column, end_row=end, end_column=column)
            sheet.cell(start, column).alignment = _CENTER
    if spec.percent_column is not None:
        for (cell,) in sheet.iter_rows(min_row=first, min_col=spec.percent_column + 1, max_col=spec.percent_column + 1):
            cell.number_format = "0%"
    for row in spec.footer:
        sheet.append(row)
    for n, header in enumerate(spec.headers, start=1):
        sheet.column_dimensions[get_column_letter(n)].width = _WIDTHS.get(header, 6 if header == "序号" else 14) + 2
    sheet.freeze_panes = sheet.cell(first, 1)


def _workbook(sheets: list[_Sheet], stamp: datetime) -> bytes:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for spec in sheets:
        _write_sheet(book, spec)
    book.properties.creator = "区委组织部"
    book.properties.lastModifiedBy = "区委组织部"
    buffer = io.BytesIO()
    book.save(buffer)
    return _stable_zip(buffer.getvalue(), stamp)


def _stable_zip(content: bytes, stamp: datetime) -> bytes:
    """The same workbook gives the same bytes: fixed zip entry times and document dates (openpyxl stamps 'now')."""
    moment = stamp.strftime("%Y-%m-%dT%H:%M:%SZ")
    source = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                text = re.sub(
                    r"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:\2>)",
                    lambda m: f"{m.group(1)}{moment}{m.group(3)}",
                    data.decode("utf-8"),
                )
                data = text.encode("utf-8")
            entry = zipfile.ZipInfo(info.filename, date_time=stamp.timetuple()[:6])
            entry.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(entry, data)
    return out.getvalue()


def _clerk(y: _Year, quarter: int) -> str:
    """The office clerk who keeps the sheets that quarter (two take turns)."""
    office = [p for p in y.people if p.section == "办公室" and not p.leader]
    return office[-1 - quarter % 2].name


def _signature(y: _Year, quarter: int) -> list[Any]:
    office = [p for p in y.people if p.section == "办公室" and p.title == "副主任"]
    return [f"填表人：{_clerk(y, quarter)}　　审核人：{office[0].name}"]


def _roster_file(y: _Year, july: bool) -> tuple[str, bytes]:
    on = y.day(*MOVE_ON) if july else date(y.year, 1, 4)
    people = [p for p in y.people if july or p.joined is None]
    order = {name: n for n, name in enumerate(SECTION_NAMES)}
    # People who came into a section in July are listed after the section's own people.
    people.sort(key=lambda p: (order[p.section_on(on)], p.section_on(on) != p.section or p.joined is not None))
    rows = []
    for n, p in enumerate(people, start=1):
        # Two-character names are padded with a full-width space, as Chinese name lists line them up.
        name = f"{p.name[0]}\u3000{p.name[1]}" if len(p.name) == 2 and not july else p.name
        if not july:
            rows.append([n, p.section, name, p.title, p.category, p.staff_no])
            continue
        status, changed, remark = "在岗", None, None
        if p.moved:
            changed, remark = p.moved[0], f"岗位交流（原{p.section}）"
        if p.left:
            status, changed, remark = "调离", p.left, "调任区委办"
        if p.joined:
            changed, remark = p.joined, "新录用选调生"
        if p.new_title:
            remark = f"{y.day(*MOVE_ON).month}月任{p.new_title}"
        rows.append(
            [n, p.section_on(on), name, p.new_title or p.title, p.category, p.staff_no, status, changed, remark]
        )
    if july:
        headers = ["序号", "所在科室", "姓名", "职务", "人员类别", "工号", "状态", "调整日期", "备注"]
        title = f"区委组织部机关干部名单（{y.year}年7月调整）"
        name = "人员名单（7月调整）.xlsx"
    else:
        headers = ["序号", "科室", "姓名", "职务", "人员类别", "工号"]
        title = f"区委组织部机关干部名单（{y.year}年1月）"
        name = "人员名单.xlsx"
    sheet = _Sheet(
        "干部名单",
        title,
        headers,
        rows,
        merge_down=1,
        footer=[[], ["注：人员类别中“青年干部”指35周岁以下干部；重名人员以工号区分。"]],
    )
    return name, _workbook([sheet], datetime(on.year, on.month, on.day, 9, 30))


def _rules_file(y: _Year) -> tuple[str, bytes]:
    rows = []
    for n, item in enumerate(y.book.items, start=1):
        low, high = item.points_min, item.points_max
        note = None
        if item.code == RAISED_ITEM:
            low = high = y.value(item.code, y.rules_from)
            note = f"自{RULES_FROM[0]}月{RULES_FROM[1]}日起由{item.points_min:g}分调整为{low:g}分"
        points: Any = low if low == high else f"{low:g}~{high:g}"
        rows.append(
            [n, item.code, item.content, item.name, points, item.monthly_cap, "是" if item.veto else "否", note]
        )
    sheet = _Sheet(
        "加减分事项",
        f"{y.year}年度“作风能力提升年”考核办法加减分事项（修订）",
        ["序号", "事项编号", "考核内容", "事项名称", "分值", "月度上限", "一票否决", "备注"],
        rows,
    )
    stamp = datetime(y.year, 6, 28, 16, 0)
    return f"加减分事项（{RULES_FROM[0]}月{RULES_FROM[1]}日起施行）.xlsx", _workbook([sheet], stamp)


# Per quarter: column headers (with the key each holds), date style, how points are written.
_POINT_LAYOUTS = (
    (
        (
            ("序号", "seq"),
            ("日期", "date"),
            ("姓名", "name"),
            ("科室", "section"),
            ("考核内容", "content"),
            ("事项编号", "code"),
            ("分值", "points"),
            ("事由", "reason"),
            ("依据/佐证", "evidence"),
            ("登记人", "recorder"),
        ),
        "real",
        "number",
    ),
    (
        (
            ("序号", "seq"),
            ("部门", "section"),
            ("姓名", "name"),
            ("日期", "date"),
            ("考核项目", "content"),
            ("事项编号", "code"),
            ("加减分", "points"),
            ("加减分事由", "reason"),
            ("佐证材料", "evidence"),
            ("记录人", "recorder"),
        ),
        "cn",
        "number",
    ),
    (
        (
            ("序号", "seq"),
            ("登记日期", "date"),
            ("姓名", "name"),
            ("所在科室", "section"),
            ("考核类别", "content_class"),
            ("加减分编号", "code"),
            ("得分", "points"),
            ("具体事由", "reason"),
            ("依据", "evidence"),
            ("经办人", "recorder"),
        ),
        "dot",
        "signed",
    ),
    (
        (
            ("序号", "seq"),
            ("日期", "date"),
            ("姓名", "name"),
            ("科室", "section"),
            ("考核内容", "content"),
            ("事项代码", "code"),
            ("分值", "points"),
            ("加减分事由", "reason"),
            ("依据佐证", "evidence"),
            ("登记人", "recorder"),
        ),
        "real",
        "mixed",
    ),
)


def _points_cell(value: float, style: str, rng: random.Random) -> Any:
    text = f"{value:+g}"
    if style == "signed":
        return text
    if style == "mixed" and rng.random() < 0.04:
        return text.translate({ord(c): ord(c) + 0xFEE0 for c in "+-0123456789."})
    return value


def _points_file(y: _Year, quarter: int) -> tuple[str, bytes]:
    rng = y.rng
    layout, date_style, points_style = _POINT_LAYOUTS[quarter - 1]
    recorder = _clerk(y, quarter)
    order = {name: n for n, name in enumerate(SECTION_NAMES)}
    sheets = []
    for month in range(3 * quarter - 2, 3 * quarter + 1):
        events = [e for e in y.points if e.day.month == month]
        events.sort(key=lambda e: (e.day, order[e.person.section_on(e.day)], e.person.staff_no))
        rows = []
        for n, e in enumerate(events, start=1):
            content = y.book.item(e.code).content
            values = {
                "seq": n,
                "date": _date_cell(e.day, date_style),
                "name": e.person.name,
                "section": e.person.section_on(e.day),
                "content": content,
                "content_class": f"{content}类",
                "code": e.code,
                "points": _points_cell(e.points, points_style, rng),
                "reason": e.reason,
                "evidence": e.evidence,
                "recorder": recorder,
            }
            rows.append([values[key] for _, key in layout])
        keys = [key for _, key in layout]
        total = [None] * len(layout)
        total[keys.index("seq")] = "合计"
        total[keys.index("points")] = round(sum(e.points for e in events), 1)
        published = _next_workday(date(y.year + (month == 12), month % 12 + 1, 3))
        sheets.append(
            _Sheet(
                f"{month}月",
                f"{y.year}年{month}月加减分情况公示",
                [h for h, _ in layout],
                _with_blanks(rng, rows, 2),
                subtitle=f"填报单位：区委组织部办公室　　公示时间：{published.year}年{published.month}月{published.day}日",
                footer=[total, [], _signature(y, quarter)],
            )
        )
    stamp = datetime(y.year, 3 * quarter, 28, 17, 0)
    return f"{y.year}年第{_QUARTER_WORDS[quarter - 1]}季度加减分情况.xlsx", _workbook(sheets, stamp)


# Activity names as each quarter's clerk wrote them (the importer knows these variants).
_ACTIVITY_WORDS = (
    {},
    {"荐学": "每周荐学", "研学": "支部研学", "游学": "主题党日", "评学": "党员大会"},
    {"荐学": "每周一文"},
    {"游学": "主题党日", "评学": "党员大会评学", "奖学": "总结大会"},
)
_PARTICIPATION_HEADERS = (
    ("序号", "日期", "姓名", "科室", "活动类型", "活动名称", "角色", "时长(小时)"),
    ("序号", "活动日期", "参加人员", "部门", "学习形式", "活动主题", "参与方式", "学时"),
    ("序号", "日期", "姓名", "所在科室", "活动类型", "活动内容", "角色", "时长（小时）"),
    ("序号", "日期", "姓名", "科室", "活动类别", "活动名称", "参与角色", "时长(小时)"),
)
_PARTICIPATION_SHEETS = (
    ("五个一学习", "“五个一”学习参与情况登记表", ("荐学", "研学", "游学", "评学", "奖学")),
    ("讲堂论坛", "组工讲堂、组工论坛及练兵比武登记表", ("组工讲堂", "组工论坛", "业务比武", "岗位练兵")),
    ("每日鉴学", "“每日鉴学”经验推送登记表", ("每日鉴学",)),
    (
        "实践活动",
        "一线实践、联企业联群众、志愿服务及考察学习登记表",
        ("一线实践", "联企业联群众", "志愿服务", "考察学习"),
    ),
    ("金点子", "“我为组织工作建言”金点子征集登记表", ("金点子",)),
)


def _participation_file(y: _Year, quarter: int) -> tuple[str, bytes]:
    rng = y.rng
    headers = list(_PARTICIPATION_HEADERS[quarter - 1])
    words = _ACTIVITY_WORDS[quarter - 1]
    date_style = ("real", "real", "slash", "cn")[quarter - 1]
    order = {name: n for n, name in enumerate(SECTION_NAMES)}
    months = range(3 * quarter - 2, 3 * quarter + 1)
    sheets = []
    for sheet_name, title, activities in _PARTICIPATION_SHEETS:
        rows_of = [a for a in y.attends if a.day.month in months and a.activity in activities]
        rows_of.sort(
            key=lambda a: (
                a.day,
                activities.index(a.activity),
                a.title,
                order[a.person.section_on(a.day)],
                a.person.staff_no,
            )
        )
        rows = []
        for n, a in enumerate(rows_of, start=1):
            name = a.person.name
            if quarter == 1 and len(name) == 2 and rng.random() < 0.05:
                name = f"{name[0]} {name[1]}"
            rows.append(
                [
                    n,
                    _date_cell(a.day, date_style),
                    name,
                    a.person.section_on(a.day),
                    words.get(a.activity, a.activity),
                    a.title,
                    a.role,
                    a.hours,
                ]
            )
        if rows:
            sheets.append(
                _Sheet(
                    sheet_name,
                    f"{y.year}年第{_QUARTER_WORDS[quarter - 1]}季度{title}",
                    headers,
                    _with_blanks(rng, rows, 1),
                )
            )
    stamp = datetime(y.year, 3 * quarter, 30, 11, 0)
    return f"{y.year}年第{_QUARTER_WORDS[quarter - 1]}季度学习活动参与情况.xlsx", _workbook(sheets, stamp)


_TASK_HEADERS = (
    (
        "序号",
        "任务编号",
        "任务名称",
        "台账类别",
        "责任科室",
        "责任人",
        "开始日期",
        "计划完成日期",
        "进度(%)",
        "当前环节",
        "最新进展",
        "更新日期",
    ),
    (
        "序号",
        "任务编号",
        "任务名称",
        "台账类别",
        "牵头科室",
        "负责人",
        "开始时间",
        "完成时限",
        "完成进度",
        "办理环节",
        "进展情况",
        "填报日期",
    ),
)


def _tasks_file(y: _Year, month: int) -> tuple[str, bytes]:
    # In even months another clerk kept the ledger: other headers, text dates, and either one sheet per week or
    # the progress as a fraction shown as a percentage.
    variant = month % 2 == 0
    weekly = month % 4 == 2
    fractions = month % 4 == 0
    headers = list(_TASK_HEADERS[1 if variant else 0])
    date_style = "dot" if variant else "real"
    rows_by_week: dict[date, list[list[Any]]] = {}
    for s in y.snapshots:
        if s["updated"].month != month:
            continue
        progress: Any = s["progress"] / 100 if fractions else int(s["progress"])
        ledger = "组织保障作用发挥专项台账" if variant and s["ledger"] == "组织保障专项台账" else s["ledger"]
        rows_by_week.setdefault(s["updated"], []).append(
            [
                None,
                s["code"],
                s["name"],
                ledger,
                s["section"],
                s["owner"],
                _date_cell(s["start"], date_style),
                _date_cell(s["due"], date_style),
                progress,
                s["stage"],
                s["note"],
                _date_cell(s["updated"], date_style),
            ]
        )
    sheets = []
    percent_column = headers.index("完成进度") if fractions else None
    if weekly:
        for friday, rows in sorted(rows_by_week.items()):
            for n, row in enumerate(rows, start=1):
                row[0] = n
            sheets.append(
                _Sheet(
                    f"{friday.month}月{friday.day}日",
                    f"作风能力提升年重点任务推进台账（截至{friday.month}月{friday.day}日）",
                    headers,
                    list(rows),
                    percent_column=percent_column,
                )
            )
    else:
        body: list[list[Any] | None] = []
        n = 0
        for _, rows in sorted(rows_by_week.items()):
            if body:
                body.append(None)
            for row in rows:
                n += 1
                row[0] = n
                body.append(row)
        last = max(rows_by_week) if rows_by_week else date(y.year, month, 1)
        sheets.append(
            _Sheet(
                "推进台账",
                f"作风能力提升年重点任务推进台账（{y.year}年{month}月）",
                headers,
                body,
                subtitle=f"更新至{last.month}月{last.day}日，每周五更新",
                footer=[[], _signature(y, (month + 2) // 3)],
            )
        )
    last_day = max(rows_by_week) if rows_by_week else date(y.year, month, 28)
    stamp = datetime(last_day.year, last_day.month, last_day.day, 17, 30)
    return f"任务台账推进情况（{y.year}年{month}月）.xlsx", _workbook(sheets, stamp)


_ARENA_HEADERS = (
    ("序号", "日期", "擂台", "主题", "选手", "评委", "得分"),
    ("序号", "比赛日期", "擂台名称", "比拼内容", "参赛选手", "评委姓名", "评分"),
)


def _arena_file(y: _Year, quarter: int) -> tuple[str, bytes] | None:
    months = range(3 * quarter - 2, 3 * quarter + 1)
    marks = [m for m in y.marks if m.day.month in months]
    if not marks:
        return None
    headers = list(_ARENA_HEADERS[(quarter - 1) % 2])
    sessions: dict[tuple[date, str], list[_Mark]] = {}
    for m in marks:
        sessions.setdefault((m.day, m.arena), []).append(m)
    sheets = []
    for (day, arena), rows_of in sessions.items():
        rows = [
            [n, day, m.arena, m.topic, m.contestant.name, m.judge.name, m.mark] for n, m in enumerate(rows_of, start=1)
        ]
        sheets.append(
            _Sheet(
                f"{day.month}月{day.day}日{arena}",
                f"{arena}评分汇总表（{day.year}年{day.month}月{day.day}日）",
                headers,
                rows,
            )
        )
    stamp = datetime(y.year, 3 * quarter, 29, 16, 0)
    return f"{y.year}年第{_QUARTER_WORDS[quarter - 1]}季度擂台评分.xlsx", _workbook(sheets, stamp)


@functools.lru_cache(maxsize=1)
def _files_for(year: int) -> tuple[tuple[str, bytes], ...]:
    # Loading again after a clear (or in the next test) need not build the same bytes twice.
    return tuple(build_files(year))


def build_files(year: int = DEFAULT_YEAR) -> list[tuple[str, bytes]]:
    """The demo year's workbooks as (file name, .xlsx bytes), in the order a department would have uploaded them.

    Deterministic: the same year always gives the same bytes."""
    y = _simulate_year(year)
    files = [_roster_file(y, july=False)]
    for quarter in range(1, 5):
        if quarter == 3:
            files.append(_rules_file(y))
            files.append(_roster_file(y, july=True))
        for month in range(3 * quarter - 2, 3 * quarter + 1):
            files.append(_tasks_file(y, month))
        files.append(_points_file(y, quarter))
        files.append(_participation_file(y, quarter))
        arena = _arena_file(y, quarter)
        if arena:
            files.append(arena)
    return files


def _options(name: str, year: int) -> Options:
    rules = name.startswith("加减分事项")
    return Options(
        uploader=UPLOADER,
        is_demo=True,
        # The demo is loaded after its year: no 更新日期 is 'in the future', whatever the machine's clock says.
        today=date(year + 1, 1, 15),
        rules_effective=date(year, *RULES_FROM) if rules else None,
    )


# Loading and clearing ----------------------------------------------------------------------------


def load_demo(con: Con, progress: Progress | None = None, actor: Actor = SYSTEM) -> list[int]:
    """Import every demo file for the campaign year of the rule book; returns the batch ids.

    All or nothing: if a file is refused, the batches this call made are undone and ImportRefused names the file
    and its first error. A user's actor (loading it from the page) is checked and audited; SYSTEM (the default, the
    first start) is trusted."""
    if not is_system(actor):
        require(actor, MANAGE_DEMO)
    report = progress or (lambda fraction, text: None)
    cur = con.cursor()
    try:
        year = rb.current(cur).campaign_year
    finally:
        cur.close()
    report(0.0, "正在生成演示数据…")
    files = _files_for(year)
    batches: list[int] = []
    try:
        for n, (name, content) in enumerate(files):
            report(0.05 + 0.95 * n / len(files), f"正在导入演示数据：{name}")
            preview, batch_id = import_bytes(con, content, name, _options(name, year))
            if batch_id is None:
                first = preview.errors[0].text() if preview.errors else "没有可导入的数据"
                raise ImportRefused(f"演示数据文件“{name}”未能导入：{first}")
            batches.append(batch_id)
    except BaseException:
        if batches:
            with transaction(con) as write:
                for batch_id in reversed(batches):
                    undo_in(write, batch_id, UPLOADER)
        raise
    report(1.0, f"演示数据已导入：{len(files)} 个文件")
    if not is_system(actor):
        with transaction(con) as cur:
            guard.demo_changed(cur, actor, "demo_load", len(batches))
    return batches


def demo_loaded(cur: Con) -> bool:
    """Whether any demo batch is in force."""
    row = cur.execute("select count(*) from import_batch where is_demo and status = 'committed'").fetchone()
    return bool(row[0])


def clear_demo(con: Con, user: str | None = None, actor: Actor = SYSTEM) -> int:
    """Undo every committed demo batch, newest first, in one transaction; remember that the demo was cleared so it
    is not loaded again at start-up. Returns the number of batches undone. With an actor: checked and audited."""
    with transaction(con) as cur:
        if not is_system(actor):
            require(actor, MANAGE_DEMO)
            user = actor.name
        batches = [
            row[0]
            for row in cur.execute(
                "select batch_id from import_batch where is_demo and status = 'committed' order by batch_id desc"
            ).fetchall()
        ]
        for batch_id in batches:
            undo_in(cur, batch_id, user or "清除演示数据")
        set_meta(cur, CLEARED_KEY, "1")
        if not is_system(actor):
            guard.demo_changed(cur, actor, "demo_clear", len(batches))
    return len(batches)


def load_on_first_start(con: Con) -> bool:
    """Load the demo into an empty database that never had the demo cleared; returns whether it loaded."""
    cur = con.cursor()
    try:
        any_batch = cur.execute("select count(*) from import_batch").fetchone()[0]
        cleared = get_meta(cur, CLEARED_KEY) is not None
    finally:
        cur.close()
    if any_batch or cleared:
        return False
    load_demo(con)
    return True


def write_files(folder: str | Path, year: int = DEFAULT_YEAR) -> list[Path]:
    """Write the demo workbooks to a folder (created if needed), numbered in import order; returns the paths."""
    target = Path(folder)
    target.mkdir(parents=True, exist_ok=True)
    paths = []
    for n, (name, content) in enumerate(_files_for(year), start=1):
        path = target / f"{n:02d}_{name}"
        path.write_bytes(content)
        paths.append(path)
    return paths
