"""The demo year's participation: 五个一 study, lectures and forums, daily pushes and field work."""

from __future__ import annotations

from datetime import date, timedelta

from demo.year.days import _next_workday, _workdays
from demo.year.model import _Person, _Year
from demo.year.plan import _QUARTER_WORDS, _VISITS, DUPLICATE_NAME, SECTION_NAMES
from demo.year.words import (
    _ARTICLES,
    _CITIES,
    _COMMUNITIES,
    _COMPANIES,
    _COMPETITIONS,
    _DRILLS,
    _FORUMS,
    _FRONTS,
    _LECTURES,
    _PLACES,
    _PRACTICES,
    _SERVICES,
    _STREETS,
    _STUDY_TOPICS,
    _SUGGESTIONS,
)


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
