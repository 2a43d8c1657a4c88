"""Deterministic generator of synthetic 党史工作简报 issues, rendered like PDF text extraction, with QA truth.

Usage: ``python bench/synth.py N OUT_DIR [--seed S]``.

Writes ``issue-XXXX.txt`` (text laid out like the pypdfium2 extraction of the seed bulletin: a blank line
after every line, page starts marked by a leading space, numbers spaced from CJK), ``truth.jsonl`` (one
JSON per issue), ``qa.jsonl`` (single-article questions in the ``qa_dev.jsonl`` format) and
``qa_multi.jsonl`` (cross-issue questions). Standard library only; the same seed gives the same bytes.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Callable, Iterable

__all__ = [
    "QA",
    "Article",
    "Section",
    "Issue",
    "Corpus",
    "generate_issues",
    "build_corpus",
    "render_txt",
    "render_segments",
    "write_corpus",
    "generate",
    "main",
]

# --------------------------------------------------------------------------------------------------
# Records


@dataclass(frozen=True)
class QA:
    """A candidate single-article question; ``keys`` are tried in order, the first corpus-unique one wins."""

    kind: str  # when | who | number | what
    question: str
    keys: tuple[str, ...]
    answers: tuple[str, ...]
    sig: tuple[Any, ...]  # semantic identity: a question is dropped when two articles share its sig


@dataclass(frozen=True)
class Article:
    """One article (or one 信息短波 item when ``brief``); ``paragraphs`` hold unspaced canonical text."""

    title: str | None
    subtitle: str | None
    source: str  # the unit inside （…供稿）
    brief: bool
    paragraphs: tuple[str, ...]
    facts: dict[str, Any]  # event, district, date (ISO or None), persons [[name, role]], handle, numbers
    title_split: int = 0  # body title printed over two lines after this many chars (0: one line)
    toc_title: str | None = None  # TOC wording when it differs from the title
    byline: str | None = None
    source_inline: bool = False  # append the 供稿 line to the last paragraph line when it fits
    qa: tuple[QA, ...] = ()

    @property
    def ref(self) -> str:
        """The article's title, or for a brief item its opening words (briefs have no title)."""
        if self.title:
            return self.title
        return _brief_label(self.paragraphs[0])


@dataclass(frozen=True)
class Section:
    name: str  # without 【】
    articles: tuple[Article, ...]


@dataclass(frozen=True)
class Issue:
    id: str  # issue-0001
    title: str  # 党史工作动态
    number: str  # 2021年第1期
    serial: int | None  # 总第 N 期
    publisher: str
    date: str  # YYYY-MM-DD
    sections: tuple[Section, ...]
    show_title: bool = True
    show_number: bool = True
    show_toc: bool = True
    report_to: str | None = None  # 报：…
    send_to: str | None = None  # 送：…
    render_seed: int = 0

    @property
    def articles(self) -> list[Article]:
        return [a for s in self.sections for a in s.articles]


@dataclass
class Corpus:
    issues: list[Issue]
    texts: list[str]
    segments: list[dict[str, str]]  # per issue: article id -> whitespace-free rendered text
    qa: list[dict[str, Any]]
    qa_refs: dict[str, str]  # qa id -> article id
    multi: list[dict[str, Any]]
    truth: list[dict[str, Any]] = field(default_factory=list)


def article_id(issue: Issue, index: int) -> str:
    """Article ids are ``issue-0001#3`` (1-based, in reading order across sections)."""
    return f"{issue.id}#{index}"


# --------------------------------------------------------------------------------------------------
# Vocabulary

CQ_PLACES = (
    "万州区 涪陵区 大渡口区 江北区 沙坪坝区 九龙坡区 南岸区 北碚区 渝北区 巴南区 长寿区 江津区 合川区 永川区 "
    "南川区 綦江区 大足区 璧山区 铜梁区 潼南区 荣昌区 开州区 梁平区 武隆区 城口县 丰都县 垫江县 忠县 云阳县 "
    "奉节县 巫山县 巫溪县 石柱县 秀山县 酉阳县 彭水县"
).split()
CD_PLACES = (
    "锦江区 青羊区 金牛区 武侯区 成华区 龙泉驿区 新都区 温江区 双流区 郫都区 新津区 都江堰市 彭州市 邛崃市 "
    "崇州市 简阳市 金堂县 大邑县 蒲江县"
).split()
MY_PLACES = "涪城区 游仙区 安州区 江油市 三台县 盐亭县 梓潼县 北川县 平武县".split()
NC_PLACES = "顺庆区 高坪区 嘉陵区 阆中市 南部县 营山县 蓬安县 仪陇县 西充县".split()
YB_PLACES = "翠屏区 南溪区 叙州区 江安县 长宁县 高县 珙县 筠连县 兴文县 屏山县".split()
DZ_PLACES = "通川区 达川区 万源市 宣汉县 开江县 大竹县 渠县".split()
CITIES: dict[str, tuple[str, ...]] = {
    "重庆市": tuple(CQ_PLACES),
    "成都市": tuple(CD_PLACES),
    "绵阳市": tuple(MY_PLACES),
    "南充市": tuple(NC_PLACES),
    "宜宾市": tuple(YB_PLACES),
    "达州市": tuple(DZ_PLACES),
}
# Never generated: unanswerable questions ask about them.
HELD_OUT_PLACES = ("渝中区", "黔江区", "青白江区", "自流井区", "雁江区", "船山区")
HELD_OUT_UNITS = ("上海市委党史研究室", "北京市委党史研究室", "贵阳市委党史研究室", "西安市委党史研究室",
                  "昆明市委党史研究室", "天津市委党史研究室")
DISTRICT_PUBLISHERS = ("万州区", "璧山区", "江津区", "涪陵区", "大足区", "云阳县", "武侯区", "双流区", "郫都区",
                       "阆中市")

SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕"
            "丁沈姚卢姜崔钟谭陆汪范金廖贾夏韦方邹孟熊秦邱尹薛段雷侯龙陶黎贺顾毛郝龚邵严覃戴莫向汤")
GIVEN = ("国建华明志勇军平俊杰伟强文永红春海波德清成光林晓秀英兰芳玲燕丽敏静洪涛斌宏亮刚健峰毅鹏辉宇中全"
         "世良贵福昌荣兴顺宗远坤振飞彬云霞琴雪梅庆元晨嘉怡欣瑞锐雯倩颖恭塞煦廷汉卿")
TOWN_NAMES = (
    "龙驹 高峰 甘宁 白羊 分水 长岭 新田 大周 太龙 李河 孙家 龙沙 响水 武陵 瀼渡 天城 双河 石桥 青龙 凤鸣 "
    "桂溪 黄桷 古楼 三溪 永安 清平 河坝 红岩 塘坝 金龙 马鞍 石龙 平安 复兴 隆兴 安澜 铁山 柏林 观音 白沙 "
    "梨园 桃源 宝峰 来凤 丁家 广普 正兴 八塘 大安 三教 东城 南城 西城 北城 朝阳 花园 新华 太平 福禄"
).split()
PRESSES = ("中共党史出版社", "重庆出版社", "四川人民出版社", "西南大学出版社", "巴蜀书社", "中央文献出版社",
           "四川大学出版社", "重庆大学出版社")
UNIVERSITIES = ("西南大学", "重庆大学", "四川大学", "西南政法大学", "重庆师范大学", "四川师范大学",
                "西华师范大学", "重庆工商大学", "西南财经大学", "长江师范学院")
SLOGAN_A = ("红色", "初心", "百年", "薪火", "红岩", "赓续", "奋进", "光辉", "星火", "丰碑", "信仰", "传承", "追梦",
            "筑梦", "铭记", "青春", "时代", "峥嵘")
SLOGAN_B = ("记忆", "故事汇", "宣讲行", "百年路", "印记", "讲堂", "少年说", "征程", "足迹", "回响", "之光", "力量",
            "荣光", "华章", "火种")
SLOGAN_C = ("故事", "行动", "之声", "讲堂", "专场", "篇章")
TOPIC_CORES = ("红色文化资源保护利用", "地方党史编纂", "革命老区发展", "红色基因传承", "党史学习教育成果转化",
               "抗战历史", "解放战争时期历史", "三线建设历史", "脱贫攻坚历史", "改革开放历史", "红色地名",
               "乡村振兴历史", "基层党建历史")
TOPIC_SUFFIX = ("研究", "专题研究", "史料研究", "价值挖掘")
HISTORY_EVENTS = ("华蓥山武装起义", "川东地下斗争", "渡江战役", "解放大西南战役", "川陕苏区保卫战", "反围剿斗争",
                  "抗日救亡运动", "万县起义", "广安起义", "南泸起义")
EXP_PHRASES = ("加强统筹谋划", "主动提供服务", "坚持守正创新", "突出地方特色", "强化资政育人", "深化研究宣传",
               "创新工作方式", "夯实工作基础", "聚焦主责主业", "推动成果转化", "用好红色资源", "讲好党史故事",
               "健全工作机制", "凝聚工作合力", "坚持以用促研", "服务中心大局")
EXP_HEADINGS = ("提高政治站位，认真统筹谋划", "坚持环环相扣，扎实推进活动", "加强宣传报道，营造浓厚氛围",
                "整合各方资源，形成工作合力", "注重成果转化，发挥资政作用", "创新方式方法，增强传播实效")
AWARDS = ("全国党史和文献系统网络宣传工作信息报送先进单位", "全省党史系统先进集体", "全市党史工作先进集体",
          "全国党史部门优秀党史著作奖", "社科优秀成果二等奖", "全国地方志系统先进集体")
AWARD_LEVELS = ("一等奖", "二等奖", "三等奖", "优秀奖")

# Clauses used in speeches and requirements; "{s}" is the place's short name, "{l}" its level (区/县/市).
CLAUSES = (
    "要牢牢把握党史工作正确方向，坚持“党史姓党”",
    "要自觉服从服务党史工作大局，突出地方特色亮点",
    "要深化地方党史研究传承，讲好{s}党史故事",
    "要深入挖掘运用{s}红色文化资源，把党史学习纳入干部教育培训必修课",
    "要推动党史进学校、进课堂、进头脑，用党的历史教育广大党员干部群众",
    "要加强党史工作保障，统筹用好党校、高校、社科研究机构等各方力量",
    "要形成和健全“大党史”工作格局",
    "要在人员、阵地、经费上给予党史部门大力支持，切实解决党史工作中的困难和问题",
    "要坚持党性原则和科学精神的有机统一，推出一批精品力作",
    "要用好网络媒体及新媒体等传播渠道，加大党史宣传力度",
    "要认真做好打基础利长远的具体工作，不断提升党史工作质量",
    "要加强党史遗址保护利用，让红色资源活起来",
    "要抓好青少年革命传统教育，引导其扣好人生第一粒扣子",
    "要注重调查研究，及时总结党史工作中的经验做法",
    "要坚持问题导向，聚焦党史工作的重点、热点、难点问题",
    "要把学习党史同推动中心工作结合起来，做到学史明理、学史增信、学史崇德、学史力行",
    "要充分发挥党史资政育人作用，为全{l}经济社会发展提供历史借鉴",
    "要加强党史工作队伍建设，不断提升干部职工脚力、眼力、脑力、笔力",
    "要严格审核把关，确保史实准确、观点正确",
    "要创新宣传方式，推动党史宣传进机关、进社区、进农村、进企业",
    "要把党史纪念场馆运行起来，打造成为党史学习教育基地",
    "要运用现代传播手段，把{s}红色资源推送出去",
)
SENTENCES = (
    "党史工作是党的事业的重要组成部分，抓好党史工作是党委政府的工作责任。",
    "此次活动的开展，进一步激发了广大党员干部爱党爱国的热情。",
    "活动现场气氛热烈，参与群众纷纷表示深受教育。",
    "下一步，{u}将继续深化党史研究宣传，为{n}高质量发展提供历史借鉴。",
    "近年来，{n}党史工作在党史研究、宣传教育、资政育人等方面取得了明显成效。",
    "{u}将以此为契机，进一步加强党史资料的整理研究和宣传利用。",
    "该项工作得到了{n}主要领导和分管领导的充分肯定。",
    "各镇街、各部门高度重视，周密部署，确保各项工作有序推进。",
)
MEETING_SENTENCES = (
    "与会人员一致表示，将以此次会议为契机，推动党史工作再上新台阶。",
    "会议充分肯定近年来{n}党史工作取得的成绩。",
    "大家表示，要从党的历史中汲取智慧和力量，以实际行动践行初心使命。",
    "与会专家从史实与理论的角度深入探讨，积极建言献策。",
    "会议还研究部署了近期重点工作。",
)
SPEECH_VERBS = ("强调", "指出", "要求", "表示")


_LEAD_DATE = re.compile(r"^(\d{4}年)?\d{1,2}月\d{1,2}日(上午|下午)?，")


def _brief_label(text: str) -> str:
    """A brief's label: its first sentence without a leading date, cut to 24 characters."""
    sentence = _LEAD_DATE.sub("", text).split("。", 1)[0]
    return sentence[:24].rstrip("，、；：")


def _short(name: str) -> str:
    return name[:-1] if len(name) > 2 else name


_CN_DIGITS = "零一二三四五六七八九"


def cn_num(n: int) -> str:
    """Chinese numeral for 0..99 (十二, 二十, 三十五)."""
    if n < 10:
        return _CN_DIGITS[n]
    tens, ones = divmod(n, 10)
    head = "" if tens == 1 else _CN_DIGITS[tens]
    return head + "十" + (_CN_DIGITS[ones] if ones else "")


def _cdate(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


# --------------------------------------------------------------------------------------------------
# World: places, publishers, people


@dataclass
class Place:
    name: str  # 万州区 (or 重庆市 for a city unit's own events)
    short: str  # 万州
    lvl: str  # 区 / 县 / 市
    party: str  # 万州区委
    unit: str  # the place's 党史 unit as printed
    label: str  # how questions name the actor
    city: str
    towns: list[str]
    own: bool = False  # a city publisher's own unit


@dataclass
class Publisher:
    name: str
    kind: str  # city | district
    city: str
    titles: tuple[str, ...]
    own_unit: str  # 市委党史研究室
    own_full: str  # 重庆市委党史研究室
    places: list[Place]
    home: Place  # the actor for the publisher's own events
    reports: tuple[str, ...]
    sends: tuple[str, ...]
    weight: float


class World:
    """Places, publishers and a people registry; people hold a post for a few years, then change."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used_names: set[str] = set()
        self.people: dict[tuple[str, str, int], str] = {}
        self.tenure: dict[tuple[str, str], list[int]] = {}
        self.places: dict[str, Place] = {}
        for city, names in CITIES.items():
            for name in names:
                lvl = name[-1]
                unit = rng.choice((
                    f"{name}委党史研究室", f"{name}委党史研究室", f"{name}党史和地方志研究室",
                    f"{name}委党史地方志研究室",
                ))
                self.places[name] = Place(name, _short(name), lvl, f"{name}委", unit, name, city,
                                          rng.sample(TOWN_NAMES, 6))
        self.publishers: list[Publisher] = []
        for city, names in CITIES.items():
            cshort = city[:-1]
            own_full = f"{cshort}市委党史研究室"
            home = Place(city, cshort, "市", "市委", "市委党史研究室", own_full, city,
                         [n for n in names[:6]], own=True)
            big = city in ("重庆市", "成都市")
            titles = ("党史工作动态",) if city == "重庆市" else (f"{cshort}党史工作动态", "党史工作简报")
            self.publishers.append(Publisher(
                f"中共{own_full}", "city", city, titles, "市委党史研究室", own_full,
                [self.places[n] for n in names], home,
                ("中央党史和文献研究院", "中央党史和文献研究院，省委党史研究室" if not big else "中央党史和文献研究院",
                 "市委办公厅、市委宣传部"),
                ("市级有关部门领导，各省级、副省级城市党史部门", "市级有关部门，各区县（自治县）党史研究室",
                 "各区县党史部门"),
                30.0 if city == "重庆市" else (15.0 if big else 5.0),
            ))
        for name in DISTRICT_PUBLISHERS:
            p = self.places[name]
            p.unit = f"{p.party}党史研究室"
            self.publishers.append(Publisher(
                f"中共{p.unit}", "district", p.city, ("党史工作简报", f"{p.short}党史", "党史研究与工作动态"),
                f"{p.lvl}委党史研究室", p.unit, [p], p,
                (f"{p.city[:-1]}市委党史研究室", f"{p.city[:-1]}市委党史研究室，{p.party}、{p.lvl}人大、{p.lvl}政府、{p.lvl}政协领导"),
                (f"{p.lvl}级有关部门，各镇街党（工）委", f"{p.lvl}级各部门"),
                3.5,
            ))

    def new_name(self, rng: random.Random | None = None) -> str:
        """A person name never used before and never a prefix of / prefixed by another name."""
        r = rng or self.rng
        while True:
            n = r.choice(SURNAMES) + "".join(r.choice(GIVEN) for _ in range(1 if r.random() < 0.3 else 2))
            if n in self.used_names or n[:2] in self.used_names:
                continue
            if len(n) == 2 and any(u.startswith(n) for u in self.used_names if len(u) == 3):
                continue
            self.used_names.add(n)
            return n

    def person(self, entity: str, role: str, year: int) -> str:
        """The holder of ``role`` at ``entity`` in ``year``; stable within a 2–4 year tenure."""
        bounds = self.tenure.get((entity, role))
        if bounds is None:
            bounds, y = [], 2014 + self.rng.randint(0, 3)
            while y <= 2026:
                bounds.append(y)
                y += self.rng.randint(2, 4)
            self.tenure[(entity, role)] = bounds
        start = max((b for b in bounds if b <= year), default=bounds[0])
        key = (entity, role, start)
        if key not in self.people:
            self.people[key] = self.new_name()
        return self.people[key]


# --------------------------------------------------------------------------------------------------
# Article templates


class Gen:
    """Per-issue context: the rng, the issue date and helpers shared by the templates."""

    def __init__(self, world: World, rng: random.Random, pub: Publisher, idate: date,
                 handles: set[str], routine: set[tuple[Any, ...]]) -> None:
        self.w, self.r, self.pub, self.idate = world, rng, pub, idate
        self.handles, self.routine = handles, routine
        self.new_article()

    # dates -------------------------------------------------------------------------------------
    def ev_date(self) -> date:
        return self.idate - timedelta(days=self.r.randint(2, 60))

    def dt(self, d: date, allow_md: bool = True) -> tuple[str, tuple[str, ...]]:
        """Date as printed (full, or month-day with the year implied by the issue date) and its answers."""
        full = _cdate(d)
        tod = self.r.choice(("", "", "", "上午", "下午"))
        if allow_md and self.r.random() < 0.4:
            md = f"{d.month}月{d.day}日"
            return md + tod, (full, md)
        return full + tod, (full,)

    def month_txt(self, d: date, ev: date) -> tuple[str, tuple[str, ...]]:
        """A campaign start month: ``今年4月`` when the year is the issue's, else ``2020年4月``."""
        ym = f"{d.year}年{d.month}月"
        if d.year == ev.year == self.idate.year and self.r.random() < 0.6:
            return f"今年{d.month}月", (ym, f"{d.month}月")
        return ym, (ym,)

    # handles -----------------------------------------------------------------------------------
    def unique(self, make: Callable[[], str], tries: int = 40) -> str | None:
        for _ in range(tries):
            h = make()
            if h not in self.handles:
                self.handles.add(h)
                return h
        return None

    def slogan(self, p: Place) -> str | None:
        r = self.r

        def make() -> str:
            a, b = r.choice(SLOGAN_A), r.choice(SLOGAN_B)
            form = r.randint(0, 3)
            if form == 0:
                return f"{a}{b}"
            if form == 1:
                return f"{a}{b}·{p.short}{r.choice(SLOGAN_C)}"
            if form == 2:
                return f"{p.short}{a}{b}"
            return f"{r.choice(('学党史', '讲党史', '颂党恩', '跟党走'))}·{a}{b}"

        return self.unique(make)

    def book(self, p: Place, year: int) -> str | None:
        r, s, n = self.r, p.short, p.name

        def make() -> str:
            return r.choice((
                f"{s}红色故事选编", f"永恒的铭记——{s}红色故事选编", f"中国共产党{n}历史（第{r.choice('一二三')}卷）",
                f"{s}革命遗址通览", f"{s}党史人物传", f"{n}抗日战争时期人口伤亡和财产损失", f"{s}红色家书",
                f"{s}党史大事记（{r.choice((1921, 1949, 1978, 2012))}—{year - 1}）",
                f"{r.choice(SLOGAN_A)}{r.choice(SLOGAN_B)}——{s}党史故事", f"{s}老党员口述史",
                f"{s}红色地名故事", f"{s}脱贫攻坚志", f"{s}改革开放实录", f"{s}英烈谱",
                f"{s}红色文化读本", f"{r.choice(SLOGAN_A)}{s}——{s}{r.choice(('革命史话', '红色记忆', '党史图志'))}",
            ))

        return self.unique(make)

    def topic(self, p: Place) -> str | None:
        r = self.r
        extra: tuple[str, ...] = ()
        if p.own and p.city == "重庆市":
            extra = ("红岩精神研究", "南方局历史研究", "新时代传承弘扬红岩精神研究")
        elif p.own and p.city == "成都市":
            extra = ("川西地下党历史研究", "成都解放历史研究")

        def make() -> str:
            if extra and r.random() < 0.3:
                return r.choice(extra)
            return f"{p.short}{r.choice(TOPIC_CORES)}{r.choice(TOPIC_SUFFIX)}"

        return self.unique(make)

    def memorial(self, p: Place) -> str | None:
        r = self.r

        def make() -> str:
            if r.random() < 0.3:
                return f"{self.w.new_name()}烈士纪念馆"
            return f"{p.short}{r.choice(('革命烈士纪念馆', '革命历史陈列馆', '红军纪念馆', '党史馆', '抗战纪念馆', '红色文化展览馆', '党史教育基地'))}"

        return self.unique(make)

    # text helpers ------------------------------------------------------------------------------
    def new_article(self) -> None:
        """Fresh decks, so one article never repeats a clause or a stock sentence."""
        self.deck = self.r.sample(CLAUSES, len(CLAUSES))
        self.sdeck = self.r.sample(SENTENCES, len(SENTENCES))
        self.mdeck = self.r.sample(MEETING_SENTENCES, len(MEETING_SENTENCES))

    def clauses(self, p: Place, k: int) -> str:
        if len(self.deck) < k:
            self.deck += self.r.sample(CLAUSES, len(CLAUSES))
        picked, self.deck = self.deck[:k], self.deck[k:]
        return "；".join(c.format(s=p.short, l=p.lvl) for c in picked)

    def sentence(self, p: Place, meeting: bool = False) -> str:
        if meeting and self.mdeck:
            return self.mdeck.pop().format(u=p.unit, n=p.name)
        if not self.sdeck:
            self.sdeck = self.r.sample(SENTENCES, len(SENTENCES))
        return self.sdeck.pop().format(u=p.unit, n=p.name)

    def speech(self, p: Place, who: str) -> str:
        return f"{who}{self.r.choice(SPEECH_VERBS)}，{self.clauses(p, self.r.randint(2, 4))}。"

    def filler(self, p: Place, who: str | None, n: int, meeting: bool = False) -> list[str]:
        out = []
        leads = ["会议要求", "会议强调"] if meeting else [f"{p.unit}负责人表示", f"{p.party}宣传部负责人表示", "活动要求"]
        self.r.shuffle(leads)
        for i in range(n):
            if who and i == 0:
                out.append(self.speech(p, who))
            elif leads and self.r.random() < 0.5:
                out.append(f"{leads.pop()}，{self.clauses(p, self.r.randint(2, 3))}。")
            else:
                out.append(self.sentence(p, meeting) + self.sentence(p, meeting))
        return out

    def partner(self, p: Place) -> str:
        lvl = p.lvl
        return self.r.choice((f"{p.party}宣传部", f"{lvl}教委", f"共青团{p.name}委", f"{lvl}融媒体中心",
                              f"{lvl}退役军人事务局", f"{p.party}党校"))

    def partner_source(self, p: Place, partner: str) -> str:
        """A 供稿 unit: mostly the 党史 unit, sometimes the partner named with its place (铜梁区教委)."""
        if p.own or self.r.random() < 0.8:
            return p.unit
        return partner if partner.startswith((p.party, "共青团")) else p.name + partner[1:]

    def head(self, p: Place, year: int) -> tuple[str, str]:
        """The 党史 unit head: (name, printed role)."""
        name = self.w.person(p.name, "党史主任", year)
        return name, f"{p.unit}主任"

    def secretary(self, p: Place, year: int) -> str:
        return self.w.person(p.name, "书记", year)

    def title(self, a: str, b: str = "", split_p: float = 0.35) -> tuple[str, int]:
        t = a + b
        if b and (len(t) > 21 or self.r.random() < split_p):
            return t, len(a)
        return t, 0


Template = Callable[[Gen, Place, date], "Article | None"]


def _art(g: Gen, title: tuple[str, int] | None, paras: list[str], source: str, facts: dict[str, Any],
         qa: list[QA], **kw: Any) -> Article:
    t, split = title if title else (None, 0)
    return Article(t, kw.pop("subtitle", None), source, title is None, tuple(paras), facts, split,
                   kw.pop("toc_title", None), kw.pop("byline", None), g.r.random() < 0.3, tuple(qa))


def _facts(event: str, p: Place, d: date | None, persons: Iterable[tuple[str, str]] = (), **kw: Any) -> dict[str, Any]:
    return {"event": event, "district": None if p.own else p.name, "unit": p.unit, "date": d.isoformat() if d else None,
            "persons": [list(x) for x in persons], **kw}


def _q(g: Gen, forms: Iterable[str]) -> str:
    return g.r.choice(list(forms))


def ev_standing_committee(g: Gen, p: Place, d: date) -> Article | None:
    y = d.year
    if p.own or ("sc", p.name, y) in g.routine:
        return None
    g.routine.add(("sc", p.name, y))
    sec = g.secretary(p, y)
    dtxt, dans = g.dt(d)
    extra = "市委常委、" if p.name in ("万州区", "涪陵区", "江北区", "渝北区") and g.r.random() < 0.5 else ""
    topic = g.r.choice((f"全{p.lvl}党史工作情况", "党史学习教育开展情况", "庆祝建党百年系列活动筹备情况",
                        "党史著作编纂工作进展情况", "红色资源保护利用情况"))
    if g.r.random() < 0.5:
        lead_key = f"{dtxt}，{extra}{p.party}书记{sec}主持召开"
        lead = f"{lead_key}{p.party}常委会，专题听取{topic}汇报。"
    else:
        lead_key = f"{dtxt}，{extra}{p.party}书记{sec}主持召开"
        lead = f"{lead_key}常委会，专题听取{p.unit}关于{topic}的汇报。"
    lead += g.sentence(p, meeting=True)
    paras = [lead, g.speech(p, sec)] + g.filler(p, None, g.r.randint(0, 2), meeting=True)
    t = g.r.choice(((f"{p.party}常委会", f"专题听取全{p.lvl}党史工作情况汇报"), (f"{p.party}常委会", "专题研究部署党史工作"),
                    (f"{p.party}书记{sec}主持召开常委会", "专题听取党史工作汇报")))
    keys = (lead_key, f"书记{sec}主持召开")
    qa = [
        QA("when", _q(g, (f"{y}年{p.party}常委会是什么时候专题听取党史工作汇报的？",
                          f"{y}年{p.party}常委会哪天听取党史工作汇报？",
                          f"{p.party}{y}年何时召开常委会专题研究党史工作")), keys, dans, ("sc", p.name, y)),
        QA("who", _q(g, (f"{y}年主持{p.party}常委会专题听取党史工作汇报的是谁？",
                         f"{y}年{p.party}常委会听取党史工作汇报由哪位领导主持？")), keys, (sec,), ("sc", p.name, y)),
    ]
    return _art(g, g.title(*t), paras, p.unit, _facts("常委会专题听取党史工作汇报", p, d, [(sec, f"{p.party}书记")]), qa)


def ev_mobilization(g: Gen, p: Place, d: date) -> Article | None:
    y = d.year
    if p.own or ("mob", p.name, y) in g.routine:
        return None
    g.routine.add(("mob", p.name, y))
    sec, mayor = g.secretary(p, y), g.w.person(p.name, "长", y)
    n = g.r.choice((200, 300, 500, 600, 800, 1000, 1200, 1500, 2000))
    dtxt, dans = g.dt(d)
    lead_key = f"{dtxt}，{p.name}召开党史学习教育动员大会"
    lead = (f"{lead_key}。{p.party}书记{sec}出席并讲话，{p.party}副书记、{p.lvl}长{mayor}主持会议。"
            f"会议以视频形式开到各镇街，全{p.lvl}{n}余名党员领导干部参加会议。")
    paras = [lead, g.speech(p, sec)] + g.filler(p, None, g.r.randint(0, 2), meeting=True)
    t = g.r.choice(((p.name, "召开党史学习教育动员大会"), (p.name, "动员部署党史学习教育"), (f"{p.name}党史学习教育", "动员大会召开")))
    sig = ("mob", p.name, y)
    qa = [
        QA("when", _q(g, (f"{y}年{p.name}党史学习教育动员大会是哪天召开的？", f"{p.name}{y}年什么时候召开党史学习教育动员大会？")),
           (lead_key,), dans, sig),
        QA("who", _q(g, (f"{y}年{p.name}党史学习教育动员大会由谁主持？", f"{y}年主持{p.name}党史学习教育动员大会的是哪位领导？")),
           (f"{p.lvl}长{mayor}主持会议", lead_key), (mayor,), sig),
        QA("number", _q(g, (f"{y}年{p.name}党史学习教育动员大会有多少名党员领导干部参加？", f"{y}年{p.name}党史学习教育动员大会参会人数是多少？")),
           (f"全{p.lvl}{n}余名党员领导干部参加会议", lead_key), (f"{n}余名", f"{n}余人"), sig),
    ]
    persons = [(sec, f"{p.party}书记"), (mayor, f"{p.lvl}长")]
    return _art(g, g.title(*t), paras, p.unit, _facts("党史学习教育动员会", p, d, persons, participants=n), qa)


def ev_lecture(g: Gen, p: Place, d: date) -> Article | None:
    slogan = g.slogan(p)
    if not slogan:
        return None
    y, m = d.year, d.month
    partner = g.partner(p)
    if g.r.random() < 0.55:
        start = d - timedelta(days=g.r.randint(30, 150))
        stxt, sans = g.month_txt(start, d)
        n, aud = g.r.randint(12, 260), g.r.choice((3000, 5000, 8000, 1.2, 2, 3.5, 6))
        aud_txt = f"{aud}万" if isinstance(aud, float) or aud < 10 else str(aud)
        dtxt, dans = g.dt(d)
        key = f"“{slogan}”红色故事宣讲活动"
        lead = (f"{stxt}以来，{p.unit}联合{partner}在全{p.lvl}开展{key}。"
                f"截至{dtxt}，共组织宣讲{n}场，受众{aud_txt}余人次。")
        paras = [lead, "活动组建了由党史专家、老党员、青年志愿者组成的宣讲队伍，深入机关、学校、社区、农村开展宣讲。"
                 + g.sentence(p)] + g.filler(p, None, g.r.randint(0, 2))
        sig = ("lec", slogan)
        qa = [
            QA("number", _q(g, (f"{p.label}“{slogan}”红色故事宣讲活动共宣讲了多少场？", f"“{slogan}”宣讲活动截至目前组织了几场宣讲？")),
               (f"共组织宣讲{n}场", key), (f"{n}场",), sig),
            QA("number", _q(g, (f"“{slogan}”红色故事宣讲活动受众多少人次？", f"{p.label}开展的“{slogan}”宣讲受众有多少？")),
               (f"受众{aud_txt}余人次", key), (f"{aud_txt}余人次",), sig),
            QA("when", _q(g, (f"“{slogan}”红色故事宣讲活动是什么时候启动的？", f"{p.label}何时开始开展“{slogan}”宣讲活动？")),
               (f"{stxt}以来，{p.unit}联合", key), sans, sig),
            QA("what", _q(g, (f"{y}年{m}月{p.label}开展的红色故事宣讲活动主题是什么？", f"{y}年{m}月，{p.label}开展的红色故事宣讲活动叫什么名字？")),
               (key,), (slogan,), ("lec-month", p.label, y, m)),
        ]
        facts = _facts("红色故事宣讲", p, d, (), handle=slogan, sessions=n, audience=f"{aud_txt}余人次", start=f"{start.year}-{start.month:02d}")
        t = g.r.choice(((p.name if not p.own else p.unit, f"开展“{slogan}”红色故事宣讲活动"), (f"“{slogan}”", "红色故事宣讲活动深入开展")))
    else:
        town = g.r.choice(p.towns)
        speaker = g.w.new_name()
        story = g.w.new_name()
        aud = g.r.choice((80, 100, 120, 150, 200, 300, 400))
        dtxt, dans = g.dt(d)
        place_txt = town if p.own else f"{town}{g.r.choice(('镇', '街道'))}"
        key = f"“{slogan}”红色故事宣讲活动走进{place_txt}"
        lead = (f"{dtxt}，由{p.unit}主办的{key}。宣讲员{speaker}以《{story}烈士的故事》为题，"
                f"讲述了革命先烈的英勇事迹，{aud}余名干部群众聆听宣讲。")
        paras = [lead] + g.filler(p, None, g.r.randint(1, 3))
        sig = ("lec", slogan)
        qa = [
            QA("who", _q(g, (f"“{slogan}”红色故事宣讲活动走进{place_txt}时，哪位宣讲员作了宣讲？", f"在{place_txt}讲述《{story}烈士的故事》的宣讲员是谁？")),
               (f"宣讲员{speaker}", key), (speaker,), sig),
            QA("when", _q(g, (f"“{slogan}”红色故事宣讲活动什么时候走进{place_txt}？", f"“{slogan}”宣讲活动哪天在{place_txt}举行？")),
               (key,), dans, sig),
            QA("number", _q(g, (f"“{slogan}”宣讲活动走进{place_txt}时有多少干部群众聆听？",)),
               (f"{aud}余名干部群众聆听宣讲", key), (f"{aud}余名", f"{aud}余人"), sig),
        ]
        facts = _facts("红色故事宣讲", p, d, [(speaker, "宣讲员")], handle=slogan, audience=aud)
        t = (f"“{slogan}”红色故事宣讲活动", f"走进{place_txt}")
    return _art(g, g.title(*t), paras, g.partner_source(p, partner), facts, qa)


def ev_book_launch(g: Gen, p: Place, d: date) -> Article | None:
    book = g.book(p, d.year)
    if not book:
        return None
    y = d.year
    press = g.r.choice(PRESSES)
    k = g.r.choice((18, 20, 25, 28, 30, 32, 35, 40, 45, 52, 60))
    x = g.r.choice((36, 48, 56, 60, 72, 80, 100, 120))
    n = g.r.choice((1000, 2000, 3000, 5000))
    head, head_role = g.head(p, y)
    if p.own:
        vip = g.w.person(p.city, "宣传部副部长", y)
        vip_role = f"{p.city[:-1]}市委宣传部副部长"
        venue = g.r.choice((f"{p.short}图书馆", f"{p.short}党史馆", f"{p.short}市委党校"))
    elif g.pub.kind == "city" and g.r.random() < 0.5:
        vip = g.w.person(g.pub.city, "党史主任", y)
        vip_role = f"{g.pub.own_unit}主任"
        venue = g.r.choice((f"{p.short}图书馆", f"{p.name}档案馆", f"{p.name}文化馆", f"{p.party}党校"))
    else:
        vip = g.w.person(p.name, "宣传部长", y)
        vip_role = f"{p.party}常委、宣传部长"
        venue = g.r.choice((f"{p.short}图书馆", f"{p.name}档案馆", f"{p.name}文化馆", f"{p.party}党校"))
    dtxt, dans = g.dt(d)
    lead = f"{dtxt}，《{book}》首发式在{venue}举行。{vip_role}{vip}出席首发式并讲话，{head_role}{head}主持首发式。"
    p2key = f"《{book}》由{p.unit}编纂"
    p2 = (f"{p2key}，{press}出版，全书共{k}万字，收录文章{x}篇，首印{n}册。该书全面反映了{p.short}人民在党的领导下"
          f"进行革命、建设、改革的光辉历程。")
    paras = [lead, p2] + g.filler(p, vip, g.r.randint(0, 2))
    sig = ("book", book)
    qa = [
        QA("when", _q(g, (f"《{book}》首发式是什么时候举行的？", f"《{book}》哪天举行首发式？", f"《{book}》首发式于何时举行")),
           (f"《{book}》首发式在{venue}举行",), dans, sig),
        QA("who", _q(g, (f"《{book}》首发式由谁主持？", f"主持《{book}》首发式的是哪位？")),
           (f"{head}主持首发式", f"《{book}》首发式在{venue}举行"), (head,), sig),
        QA("who", _q(g, (f"《{book}》首发式上谁出席并讲话？",)),
           (f"{vip}出席首发式并讲话", f"《{book}》首发式在{venue}举行"), (vip,), sig),
        QA("number", _q(g, (f"《{book}》全书共多少字？", f"《{book}》有多少万字？")), (p2key,), (f"{k}万字",), sig),
        QA("number", _q(g, (f"《{book}》首印多少册？", f"《{book}》首印了几册？")), (p2key,), (f"{n}册",), sig),
        QA("what", _q(g, (f"《{book}》由哪家出版社出版？", f"《{book}》是哪个出版社出版的？")), (p2key,), (press,), sig),
    ]
    t = g.r.choice(((f"《{book}》", f"首发式在{p.short}举行"), (p.name if not p.own else p.unit, f"举行《{book}》首发式"),
                    (f"{p.unit}编纂的", f"《{book}》正式出版")))
    persons = [(vip, vip_role), (head, head_role)]
    return _art(g, g.title(*t), paras, p.unit, _facts("党史著作首发式", p, d, persons, handle=book, press=press,
                                                      words=f"{k}万字", copies=n), qa)


def ev_seminar(g: Gen, p: Place, d: date) -> Article | None:
    topic = g.topic(p)
    if not topic:
        return None
    y = d.year
    head, head_role = g.head(p, y)
    host = g.w.person(p.name, "党史副主任", y) if p.own else head
    host_role = f"{p.unit}副主任" if p.own else head_role
    univ = g.r.choice(UNIVERSITIES)
    expert = g.w.new_name()
    e = g.r.randint(6, 30)
    dtxt, dans = g.dt(d)
    key = f"“{topic}”专家座谈会"
    lead = (f"{dtxt}，{p.unit}组织召开{key}。{univ}教授{expert}等{e}名党史专家参加会议，"
            f"{host_role}{host}主持会议。")
    paras = [lead, "会议通报了近年来相关研究的现状以及课题推进情况。" + g.sentence(p, meeting=True)] + g.filler(p, None, g.r.randint(0, 2), meeting=True)
    sig = ("sem", topic)
    qa = [
        QA("when", _q(g, (f"{p.label}组织召开的“{topic}”专家座谈会是哪天举行的？", f"“{topic}”专家座谈会什么时候召开？")),
           (key,), dans, sig),
        QA("who", _q(g, (f"“{topic}”专家座谈会由谁主持？", f"哪位领导主持了“{topic}”专家座谈会？")),
           (f"{host}主持会议", key), (host,), sig),
        QA("number", _q(g, (f"“{topic}”专家座谈会有多少名党史专家参加？", f"参加“{topic}”专家座谈会的专家有几名？")),
           (key,), (f"{e}名",), sig),
        QA("who", _q(g, (f"参加“{topic}”专家座谈会的{univ}教授是谁？",)), (f"{univ}教授{expert}", key), (expert,), sig),
    ]
    t = g.r.choice(((p.unit if p.own else p.name, f"组织召开“{topic}”专家座谈会"), (f"“{topic}”", "专家座谈会召开")))
    persons = [(host, host_role), (expert, f"{univ}教授")]
    return _art(g, g.title(*t), paras, p.unit, _facts("专家座谈会", p, d, persons, handle=topic, experts=e), qa)


def ev_quiz(g: Gen, p: Place, d: date) -> Article | None:
    slogan = g.slogan(p)
    if not slogan:
        return None
    partner = g.partner(p)
    teams = g.r.randint(8, 36)
    a, b, c = g.r.randint(1, 5), g.r.randint(3, 9), g.r.randint(5, 15)
    online, winners = g.r.choice((3000, 5000, 8000, 12000, 20000)), g.r.choice((100, 150, 200, 300, 500))
    dtxt, dans = g.dt(d)
    venue = g.r.choice((f"{p.short}大剧院", f"{p.name}文化馆", f"{p.party}党校", f"{p.short}会展中心"))
    key = f"“{slogan}”党史知识竞赛决赛"
    lead = f"{dtxt}，由{p.unit}、{partner}联合举办的{key}在{venue}举行。经过初赛、复赛层层选拔，{teams}支代表队进入决赛。"
    p2key = f"共评出一等奖{a}个、二等奖{b}个、三等奖{c}个"
    p2 = (f"决赛设必答题、抢答题、风险题等环节，{p2key}。此前开展的线上答题活动吸引{online}余人参与，其中{winners}余人获奖。")
    paras = [lead, p2] + g.filler(p, None, g.r.randint(0, 2))
    sig = ("quiz", slogan)
    qa = [
        QA("when", _q(g, (f"“{slogan}”党史知识竞赛决赛是什么时候举行的？", f"“{slogan}”知识竞赛决赛在哪一天举办？")),
           (key,), dans, sig),
        QA("number", _q(g, (f"“{slogan}”党史知识竞赛有多少支代表队进入决赛？", f"进入“{slogan}”知识竞赛决赛的代表队有几支？")),
           (f"{teams}支代表队进入决赛", key), (f"{teams}支",), sig),
        QA("number", _q(g, (f"{p.label}“{slogan}”党史知识竞赛评出几个一等奖？", f"“{slogan}”知识竞赛决赛共评出多少个一等奖？")),
           (p2key,), (f"{a}个", f"一等奖{a}个"), sig),
        QA("number", _q(g, (f"“{slogan}”知识竞赛线上答题有多少人获奖？",)), (f"其中{winners}余人获奖", p2key),
           (f"{winners}余人",), sig),
    ]
    t = g.r.choice(((p.name if not p.own else p.unit, f"举办“{slogan}”党史知识竞赛"), (f"“{slogan}”党史知识竞赛", "决赛举行")))
    return _art(g, g.title(*t), paras, g.partner_source(p, partner), _facts(
        "知识竞赛", p, d, (), handle=slogan, teams=teams, first_prizes=a, winners=winners), qa)


def ev_collection(g: Gen, p: Place, d: date) -> Article | None:
    y = d.year
    if p.own or ("col", p.name, y) in g.routine:
        return None
    g.routine.add(("col", p.name, y))
    start = d - timedelta(days=g.r.randint(40, 200))
    stxt, sans = g.month_txt(start, d)
    d1, d2, d3 = g.r.randint(120, 3000), g.r.randint(50, 1800), g.r.randint(10, 400)
    letters, martyr = g.r.randint(2, 30), g.w.new_name()
    dtxt, dans = g.dt(d)
    lead = (f"{stxt}以来，{p.unit}在全{p.lvl}范围内开展党史资料征集工作，截至{dtxt}，"
            f"共征集到文献资料{d1}件、历史照片{d2}张、实物{d3}件。")
    p2 = f"征集到的资料中，有{martyr}烈士家书{letters}封，具有较高的史料价值。" + g.sentence(p)
    paras = [lead, p2] + g.filler(p, None, g.r.randint(0, 1))
    sig = ("col", p.name, y)
    key = f"文献资料{d1}件、历史照片{d2}张"
    qa = [
        QA("number", _q(g, (f"{y}年{p.name}党史资料征集工作共征集到多少张历史照片？", f"{p.name}{y}年党史资料征集征集到几张历史照片？")),
           (key,), (f"{d2}张",), sig),
        QA("number", _q(g, (f"{y}年{p.name}党史资料征集共征集到多少件实物？",)), (f"历史照片{d2}张、实物{d3}件", key),
           (f"{d3}件",), sig),
        QA("when", _q(g, (f"{p.name}{y}年党史资料征集工作是什么时候开始的？",)), (f"{stxt}以来，{p.unit}在全{p.lvl}范围内开展", key),
           sans, sig),
        QA("who", _q(g, (f"{y}年{p.name}征集到哪位烈士的家书？",)), (f"有{martyr}烈士家书{letters}封",), (martyr,), sig),
    ]
    t = g.r.choice(((p.name, "党史资料征集工作取得新进展"), (p.unit, "扎实开展党史资料征集工作")))
    return _art(g, g.title(*t), paras, p.unit, _facts("史料征集", p, d, [(martyr, "烈士")], documents=d1, photos=d2,
                                                      objects=d3), qa)


def ev_memorial(g: Gen, p: Place, d: date) -> Article | None:
    if p.own:
        return None
    mem = g.memorial(p)
    if not mem:
        return None
    y, m = d.year, d.month
    sec = g.secretary(p, y)
    town = g.r.choice(p.towns) + g.r.choice(("镇", "街道"))
    area, pics, objs = g.r.randint(6, 60) * 100, g.r.randint(100, 900), g.r.randint(50, 600)
    dtxt, dans = g.dt(d)
    lead = f"{dtxt}，{mem}正式开馆。{p.party}书记{sec}等出席开馆仪式并为纪念馆揭牌。"
    p2key = f"{mem}位于{p.name}{town}"
    p2 = f"{p2key}，建筑面积{area}平方米，共展出历史图片{pics}余幅、文物实物{objs}件。" + g.sentence(p)
    paras = [lead, p2] + g.filler(p, None, g.r.randint(0, 2))
    sig = ("mem", mem)
    qa = [
        QA("when", _q(g, (f"{mem}是哪天开馆的？", f"{mem}什么时候正式开馆？")), (f"{mem}正式开馆",), dans, sig),
        QA("number", _q(g, (f"{mem}展出文物实物多少件？", f"{mem}共展出几件文物实物？")), (p2key,), (f"{objs}件",), sig),
        QA("what", _q(g, (f"{y}年{m}月{p.name}正式开馆的纪念馆叫什么名字？", f"{y}年{m}月，{p.name}哪座纪念馆开馆？")),
           (f"{mem}正式开馆",), (mem,), ("mem-month", p.name, y, m)),
        QA("what", _q(g, (f"{mem}位于哪里？",)), (p2key,), (town, f"{p.name}{town}"), sig),
    ]
    t = g.r.choice(((mem, "正式开馆"), (p.name, f"{mem}开馆")))
    return _art(g, g.title(*t), paras, p.unit, _facts("纪念馆开馆", p, d, [(sec, f"{p.party}书记")], handle=mem,
                                                      objects=objs), qa)


def ev_oral_history(g: Gen, p: Place, d: date) -> Article | None:
    if p.own:
        return None
    y, m = d.year, d.month
    name = g.w.new_name()
    age = g.r.randint(82, 101)
    born = y - age
    jy = min(born + g.r.randint(18, 26), 1985)
    hist = "解放战争" if jy < 1950 else g.r.choice(("抗美援朝", "剿匪斗争", "土地改革", "三线建设", "对越自卫反击战"))
    town = g.r.choice(p.towns) + g.r.choice(("镇", "街道"))
    mins, words = g.r.randint(60, 600), g.r.randint(2, 12)
    dtxt, dans = g.dt(d)
    key = f"老党员{name}进行口述史采访"
    lead = (f"{dtxt}，{p.unit}工作人员走进{town}，对{age}岁的{key}。{name}于{jy}年加入中国共产党，"
            f"曾参加{hist}。")
    p2 = (f"采访中，{name}深情回忆了自己的革命经历，讲述了许多鲜为人知的历史细节。此次采访共录制视频{mins}分钟，"
          f"整理文字资料{words}万字。")
    paras = [lead, p2] + g.filler(p, None, g.r.randint(0, 1))
    sig = ("oral", name)
    qa = [
        QA("number", _q(g, (f"老党员{name}接受口述史采访时多少岁？", f"{p.name}口述史采访的老党员{name}有多大年纪？")),
           (key,), (f"{age}岁",), sig),
        QA("when", _q(g, (f"老党员{name}是哪一年入党的？", f"{name}什么时候加入中国共产党？")), (f"{name}于{jy}年加入中国共产党", key),
           (f"{jy}年",), sig),
        QA("who", _q(g, (f"{y}年{m}月{p.unit}口述史采访的老党员是谁？", f"{y}年{m}月{p.name}党史部门对哪位老党员进行了口述史采访？")),
           (key,), (name,), ("oral-month", p.name, y, m)),
        QA("number", _q(g, (f"对老党员{name}的口述史采访共录制视频多少分钟？",)), (f"共录制视频{mins}分钟",), (f"{mins}分钟",), sig),
    ]
    t = g.r.choice(((p.unit, "开展老党员口述史采访"), (p.name, "抢救性采集老党员口述史料")))
    return _art(g, g.title(*t), paras, p.unit, _facts("口述史采访", p, d, [(name, "老党员")], age=age, joined=jy), qa)


def ev_inspection(g: Gen, p: Place, d: date) -> Article | None:
    if p.own or g.pub.kind != "city":
        return None
    y, m = d.year, d.month
    director = g.w.person(g.pub.city, "党史主任", y)
    prop = g.w.person(p.name, "宣传部长", y)
    k = g.r.randint(2, 4)
    dtxt, dans = g.dt(d)
    key = f"{g.pub.own_unit}主任{director}率相关处室负责人赴{p.name}调研"
    lead = f"{dtxt}，{key}指导党史工作。{p.party}常委、宣传部长{prop}陪同调研。"
    traits = ("领导有力", "工作有方", "成绩有彩", "特色鲜明", "保障到位")[:k]
    p2 = (f"在听取{p.unit}工作汇报后，{director}指出，{p.name}的党史工作体现了{cn_num(k)}个突出特点："
          + "".join(f"{cn_num(i + 1)}是{t}。" for i, t in enumerate(traits)))
    paras = [lead, p2, g.speech(p, director)]
    sig = ("insp", p.name, y, m)
    qa = [
        QA("who", _q(g, (f"{y}年{m}月{g.pub.own_full}主任赴{p.name}调研时，谁陪同调研？", f"{y}年{m}月陪同{director}在{p.name}调研的是谁？")),
           (key,), (prop,), sig),
        QA("when", _q(g, (f"{g.pub.own_full}主任{director}哪天赴{p.name}调研指导党史工作？", f"{y}年{director}什么时候到{p.name}调研党史工作？")),
           (key,), dans, ("insp", p.name, director, y)),
        QA("number", _q(g, (f"{y}年{m}月{director}在{p.name}调研时指出其党史工作体现了几个突出特点？",)),
           (f"{p.name}的党史工作体现了{cn_num(k)}个突出特点",), (f"{cn_num(k)}个", f"{k}个"), sig),
    ]
    t = (f"{g.pub.own_unit}主任{director}", f"赴{p.short}调研指导党史工作")
    persons = [(director, f"{g.pub.own_unit}主任"), (prop, f"{p.party}常委、宣传部长")]
    return _art(g, g.title(t[0], t[1], 0.8), paras, g.pub.own_unit + g.r.choice(("办公室", "宣教处", "征研一处")),
                _facts("调研指导", p, d, persons), qa)


def ev_training(g: Gen, p: Place, d: date) -> Article | None:
    y = d.year
    if ("train", p.name, y) in g.routine:
        return None
    g.routine.add(("train", p.name, y))
    n, days = g.r.randint(40, 260), g.r.randint(2, 5)
    head, head_role = g.head(p, y)
    dtxt, dans = g.dt(d)
    scope = "全市" if p.own else f"全{p.lvl}"
    key = f"{p.label if p.own else p.name}{y}年党史业务培训班开班"
    lead = f"{dtxt}，{key}。来自{scope}各单位的{n}名学员参加为期{days}天的集中培训，{head_role}{head}作开班动员讲话。"
    paras = [lead, "培训采取专题讲座、现场教学、交流研讨等方式进行，内容涵盖党史研究、史料征集、党史宣传等方面。"
             + g.sentence(p)] + g.filler(p, None, g.r.randint(0, 1))
    sig = ("train", p.name, y)
    qa = [
        QA("number", _q(g, (f"{p.label}{y}年党史业务培训班有多少名学员？", f"{y}年{p.label}党史业务培训班共有几名学员参加？")),
           (key,), (f"{n}名",), sig),
        QA("number", _q(g, (f"{p.label}{y}年党史业务培训班为期几天？",)), (key,), (f"{days}天",), sig),
        QA("when", _q(g, (f"{p.label}{y}年党史业务培训班何时开班？", f"{y}年{p.label}党史业务培训班是哪天开班的？")),
           (key,), dans, sig),
    ]
    t = (p.unit if p.own else p.name, f"举办{y}年党史业务培训班")
    return _art(g, g.title(*t), paras, p.unit, _facts("党史业务培训班", p, d, [(head, head_role)], trainees=n), qa)


def ev_award(g: Gen, p: Place, d: date) -> Article | None:
    y = d.year
    award = g.r.choice(AWARDS)
    if ("award", p.label, y) in g.routine:
        return None
    g.routine.add(("award", p.label, y))
    org = "中央党史和文献研究院" if award.startswith("全国") else f"{'四川省' if p.city != '重庆市' else '重庆市'}委党史研究室"
    k = g.r.randint(5, 30)
    unit_full = p.label if p.own else p.unit
    key = f"{unit_full}等{k}个单位荣获{award}"
    lead = f"近日，{org}表彰{y - 1}年度{award}。{key}。"
    paras = [lead, f"{unit_full}一直高度重视党史工作。" + g.sentence(p)] + g.filler(p, None, g.r.randint(0, 1))
    sig = ("award", p.label, y)
    qa = [
        QA("what", _q(g, (f"{y}年{unit_full}获得了什么表彰？", f"{y}年，{unit_full}荣获了哪项荣誉？")), (key,), (award,), sig),
        QA("number", _q(g, (f"{y}年与{unit_full}一同荣获{award}的共有几个单位？",)), (key,), (f"{k}个",), sig),
    ]
    t = (unit_full, f"荣获{y - 1}年度{award}")
    return _art(g, g.title(*t), paras, p.unit, _facts("荣获表彰", p, None, (), award=award), qa)


def ev_own_meeting(g: Gen, p: Place, d: date) -> Article | None:
    if not p.own:
        return None
    y = d.year
    kind = g.r.choice(("务虚会", "机关党委会议", "读书班"))
    if ("meet", p.label, kind, y) in g.routine:
        return None
    g.routine.add(("meet", p.label, kind, y))
    director = g.w.person(p.city, "党史主任", y)
    dtxt, dans = g.dt(d)
    n = g.r.randint(20, 90)
    if kind == "务虚会":
        key = f"{p.label}组织召开{y}年工作务虚会"
        lead = f"{dtxt}，{key}，总结盘点全年工作，研究谋划明年重点工作。室主任{director}主持会议并讲话。"
        what = f"{y}年工作务虚会"
    elif kind == "机关党委会议":
        key = f"{p.label}召开{y}年第{g.r.randint(1, 4)}次机关党委（扩大）会议"
        lead = f"{dtxt}，{key}。室主任、机关党委书记{director}出席会议并讲话，室机关党员干部{n}人参加会议。"
        what = key[len(p.label) + 2:]
    else:
        key = f"{p.label}举办{y}年党史学习专题读书班"
        lead = f"{dtxt}，{key}，室主任{director}作动员讲话，室机关党员干部{n}人参加。"
        what = f"{y}年党史学习专题读书班"
    paras = [lead, g.speech(p, director)] + g.filler(p, None, g.r.randint(0, 2), meeting=True)
    sig = ("meet", p.label, kind, y)
    qa = [QA("when", _q(g, (f"{p.label}{what}是什么时候召开的？", f"{p.label}哪天举行{what}？")), (key,), dans, sig)]
    t = (p.unit, key[len(p.label):])
    return _art(g, g.title(*t), paras, p.unit + g.r.choice(("办公室", "机关党委", "宣教处")),
                _facts(kind, p, d, [(director, f"{p.unit}主任")]), qa)


def ev_school(g: Gen, p: Place, d: date) -> Article | None:
    if p.own:
        return None
    slogan = g.slogan(p)
    if not slogan:
        return None
    start = d - timedelta(days=g.r.randint(30, 120))
    stxt, sans = g.month_txt(start, d)
    schools, lessons, stu = g.r.randint(12, 180), g.r.randint(40, 900), g.r.randint(2, 30)
    key = f"“{slogan}”党史进校园活动"
    lead = (f"{stxt}以来，{p.unit}联合{p.lvl}教委在全{p.lvl}{schools}所中小学开展{key}，组织开设党史课{lessons}节，"
            f"覆盖学生{stu}万余人次。")
    paras = [lead] + g.filler(p, None, g.r.randint(1, 3))
    sig = ("school", slogan)
    qa = [
        QA("number", _q(g, (f"{p.name}“{slogan}”党史进校园活动覆盖多少所中小学？", f"“{slogan}”党史进校园活动在几所中小学开展？")),
           (key,), (f"{schools}所",), sig),
        QA("number", _q(g, (f"“{slogan}”党史进校园活动开设了多少节党史课？",)), (f"组织开设党史课{lessons}节", key),
           (f"{lessons}节",), sig),
        QA("when", _q(g, (f"{p.name}“{slogan}”党史进校园活动从什么时候开始？",)), (key,), sans, sig),
    ]
    t = g.r.choice(((p.name, "扎实推进党史进校园"), (p.name, f"开展“{slogan}”党史进校园活动")))
    return _art(g, g.title(*t), paras, p.unit, _facts("党史进校园", p, d, (), handle=slogan, schools=schools), qa)


DISTRICT_EVENTS: tuple[tuple[Template, float], ...] = (
    (ev_standing_committee, 3), (ev_mobilization, 2), (ev_lecture, 3), (ev_book_launch, 3), (ev_seminar, 1.5),
    (ev_quiz, 2), (ev_collection, 1.5), (ev_memorial, 1.5), (ev_oral_history, 2), (ev_inspection, 2),
    (ev_training, 1), (ev_award, 0.7), (ev_school, 1.5),
)
OWN_EVENTS: tuple[tuple[Template, float], ...] = (
    (ev_own_meeting, 3), (ev_seminar, 2), (ev_book_launch, 1.5), (ev_lecture, 1.5), (ev_quiz, 1), (ev_award, 0.6),
    (ev_training, 1),
)


def experience_article(g: Gen, p: Place, d: date) -> Article | None:
    slogan = g.slogan(p)
    if not slogan:
        return None
    start = d - timedelta(days=g.r.randint(60, 240))
    stxt, sans = g.month_txt(start, d)
    unit_q = p.label if p.own else p.unit
    t1, t2 = g.r.sample(EXP_PHRASES, 2)
    verb = g.r.choice(("积极推进", "扎实推进", "深入开展", "创新开展"))
    subtitle = f"——{p.unit}{verb}“{slogan}”活动" + g.r.choice(("", "的实践与探索", "深入开展"))
    intro = (f"为深入贯彻习近平总书记关于学习党史的重要指示精神，{p.unit}在全{'市' if p.own else p.lvl}开展“{slogan}”活动。"
             f"自{stxt}活动启动以来，{p.unit}统筹谋划、主动服务、积极推进，取得了良好成效。")
    items = [
        ("精选推荐了{n}本阅读参考书目", "本", "阅读参考书目", "精选推荐了多少本阅读参考书目", (10, 60)),
        ("遴选推荐了{n}名党史宣讲师资", "名", "党史宣讲师资", "遴选推荐了多少名党史宣讲师资", (8, 60)),
        ("设置了{n}个党史专题", "个", "党史专题", "设置了几个党史专题", (6, 40)),
        ("组建{n}支党史宣讲小分队", "支", "党史宣讲小分队", "组建了多少支党史宣讲小分队", (5, 80)),
        ("建成{n}个党史学习教育示范点", "个", "党史学习教育示范点", "建成了多少个党史学习教育示范点", (3, 50)),
        ("在各级媒体刊发理论文章{n}篇", "篇", "理论文章", "在各级媒体刊发了多少篇理论文章", (5, 60)),
        ("推送党史宣传文章{n}余篇", "余篇", "党史宣传文章", "推送了多少篇党史宣传文章", (40, 400)),
        ("开展党史专题宣讲{n}余场", "余场", "党史专题宣讲", "开展了多少场党史专题宣讲", (30, 500)),
        ("集中购买学习读本{n}万册", "万册", "学习读本", "集中购买了多少学习读本", (1, 9)),
    ]
    g.r.shuffle(items)
    tails = [c.format(s=p.short, l=p.lvl)[1:] for c in g.r.sample(CLAUSES, 9)]
    heads = sorted(g.r.sample(range(len(EXP_HEADINGS)), 3))
    paras, qa, numbers = [intro], [], {}
    sig = ("exp", slogan)
    for i, hi in enumerate(heads):
        parts = []
        for j in range(3):
            tpl, unit, label, qtxt, (lo, hi_n) = items[i * 3 + j]
            n = g.r.randint(lo, hi_n)
            if unit == "万册" and g.r.random() < 0.5:
                n_txt = f"{n}.{g.r.randint(1, 9)}"
            else:
                n_txt = str(n)
            phrase = tpl.format(n=n_txt)
            parts.append(f"{cn_num(j + 1)}是{phrase}，{tails[i * 3 + j]}。")
            numbers[label] = f"{n_txt}{unit}"
            qa.append(QA("number", f"{unit_q}开展“{slogan}”活动{qtxt}？", (phrase,), (f"{n_txt}{unit}",), sig))
        paras.append(f"{cn_num(i + 1)}、{EXP_HEADINGS[hi]}。" + "".join(parts))
    qa.append(QA("when", _q(g, (f"{unit_q}“{slogan}”活动是什么时候启动的？", f"“{slogan}”活动何时启动？")),
                 (f"自{stxt}活动启动以来",), sans, sig))
    toc = f"{p.unit}{verb}“{slogan}”活动"
    return _art(g, (f"{t1} {t2}", 0), paras, p.unit + ("宣教处" if p.own else ""),
                _facts("经验交流", p, None, (), handle=slogan, numbers=numbers), qa,
                subtitle=subtitle, toc_title=toc if g.r.random() < 0.5 else None)


def theory_article(g: Gen, p: Place, d: date) -> Article | None:
    martyr = g.w.new_name()
    born = g.r.randint(1895, 1925)
    jy = min(born + g.r.randint(16, 24), 1947)
    dy = g.r.randint(jy + 1, 1949)
    dm = g.r.randint(1, 12)
    age = dy - born
    hist = g.r.choice(HISTORY_EVENTS)
    town = g.r.choice(TOWN_NAMES) + g.r.choice(("镇", "乡", "场"))
    home = p.city if p.own else p.name
    author = g.w.new_name()
    p1key = f"{martyr}，{born}年出生于{home}{town}"
    p1 = (f"{p1key}。{jy}年加入中国共产党，长期从事党的地下工作。{dy}年{dm}月，{martyr}在{hist}中英勇牺牲，"
          f"年仅{age}岁。")
    p2 = (f"{martyr}烈士的一生，是为党和人民的事业不懈奋斗的一生。他坚定的理想信念、对党忠诚的政治品格和不怕牺牲的"
          f"革命精神，是{p.short}宝贵的精神财富。")
    p3 = f"新时代传承和弘扬革命先烈精神，{g.clauses(p, 3)}。"
    sig = ("martyr", martyr)
    qa = [
        QA("when", _q(g, (f"{martyr}烈士是哪一年加入中国共产党的？", f"{martyr}何时入党？")), (p1key,), (f"{jy}年",), sig),
        QA("when", _q(g, (f"{martyr}烈士于何时牺牲？", f"{martyr}烈士是哪年哪月牺牲的？")), (p1key,), (f"{dy}年{dm}月",), sig),
        QA("number", _q(g, (f"{martyr}烈士牺牲时年仅多少岁？", f"{martyr}牺牲时几岁？")), (p1key,), (f"{age}岁",), sig),
        QA("what", _q(g, (f"{martyr}烈士在哪次斗争中牺牲？",)), (p1key,), (hist,), sig),
    ]
    t = g.r.choice(((f"{martyr}烈士", "的革命生涯及其历史贡献"), ("论", f"{martyr}烈士的革命精神"),
                    (f"传承{martyr}烈士精神", "赓续红色血脉")))
    return _art(g, g.title(*t, 0.2), [p1, p2, p3], p.unit, _facts("理论研究", p, None, [(martyr, "烈士"), (author, "作者")],
                                                                  born=born, joined=jy, died=f"{dy}-{dm:02d}"), qa,
                byline=f"{p.unit} {author}" if g.r.random() < 0.6 else None)


def brief_item(g: Gen, p: Place, d: date) -> Article | None:
    y = d.year
    kind = g.r.randint(0, 5)
    head, _ = g.head(p, y)
    if kind == 0:
        book = g.book(p, y)
        if not book:
            return None
        press = g.r.choice(PRESSES)
        key = f"{p.unit}编纂的《{book}》"
        text = f"{key}，日前由{press}公开出版。全书共{g.r.randint(15, 60)}万字。"
        qa = [QA("what", _q(g, (f"《{book}》由哪家出版社出版？", f"《{book}》是哪个出版社出的？")), (key,), (press,), ("book", book))]
        facts = _facts("党史著作出版", p, None, (), handle=book, press=press)
    elif kind == 1:
        if p.own:
            return None
        topic = g.r.choice(("党的二十大精神", "党的十九届六中全会精神", "党的十九届五中全会精神", "习近平新时代中国特色社会主义思想",
                            "全会精神"))
        places = "、".join(g.r.sample(p.towns, 3))
        aud = g.r.randint(5, 80) * 100
        dtxt, dans = g.dt(d)
        key = f"{p.unit}主任{head}到{places}"
        text = f"{dtxt}，根据{p.party}统一安排，{p.party}宣讲团成员、{key}等地宣讲{topic}，受众{aud}余人次。"
        sig = ("blec", p.name, head, topic, y)
        qa = [QA("number", _q(g, (f"{y}年{p.unit}主任{head}宣讲{topic}受众多少人次？",)), (key,), (f"{aud}余人次",), sig)]
        facts = _facts("宣讲", p, d, [(head, f"{p.unit}主任")], audience=aud)
    elif kind == 2:
        r = g.r
        paper = g.unique(lambda: f"{p.short}{r.choice(TOPIC_CORES)}{r.choice(('研究', '的思考', '的实践与启示', '调查报告'))}")
        if not paper:
            return None
        level = g.r.choice(AWARD_LEVELS)
        key = f"课题《{paper}》"
        text = f"经严格评审，由{p.unit}承担的{key}获{p.short if not p.own else p.city}社科联调研课题{level}。"
        qa = [QA("what", _q(g, (f"课题《{paper}》获得了什么奖项？", f"《{paper}》获得几等奖？")), (key,), (level, f"社科联调研课题{level}"),
                 ("paper", paper))]
        facts = _facts("课题获奖", p, None, (), handle=paper, level=level)
    elif kind == 3:
        if p.own or ("archive", p.name, y) in g.routine:
            return None
        g.routine.add(("archive", p.name, y))
        sec = g.secretary(p, y)
        key = f"{p.party}书记{sec}出席全{p.lvl}史志档案工作会议"
        text = f"{key}，强调{g.clauses(p, 2)}。"
        qa = [QA("who", _q(g, (f"{y}年出席{p.name}史志档案工作会议的{p.party}书记是谁？", f"{y}年哪位{p.party}书记出席了全{p.lvl}史志档案工作会议？")),
                 (key,), (sec,), ("archive", p.name, y))]
        facts = _facts("史志档案工作会议", p, None, [(sec, f"{p.party}书记")])
    elif kind == 4:
        donor = g.w.new_name()
        k = g.r.randint(3, 120)
        dtxt, dans = g.dt(d)
        item = g.r.choice(("革命文物", "历史照片", "老党员日记", "烈士遗物", "历史文献"))
        key = f"向{donor}颁发捐赠证书"
        text = f"{dtxt}，{p.unit}{key}，感谢其无偿捐赠{item}{k}件。"
        qa = [QA("number", _q(g, (f"{donor}向{p.unit if not p.own else p.label}捐赠了多少件{item}？",)), (key,), (f"{k}件",), ("donor", donor)),
              QA("when", _q(g, (f"{p.unit if not p.own else p.label}何时向{donor}颁发捐赠证书？",)), (key,), dans, ("donor", donor))]
        facts = _facts("史料征集", p, d, [(donor, "捐赠人")], donated=k)
    else:
        if p.own or ("sites", p.name, y) in g.routine:
            return None
        g.routine.add(("sites", p.name, y))
        k = g.r.randint(20, 260)
        x = g.r.randint(3, min(k, 40))
        key = f"{p.name}完成革命遗址普查工作，共确认革命遗址{k}处"
        text = f"{key}，其中{x}处列入{p.lvl}级以上文物保护单位。"
        qa = [QA("number", _q(g, (f"{y}年{p.name}革命遗址普查共确认多少处革命遗址？",)), (key,), (f"{k}处",), ("sites", p.name, y))]
        facts = _facts("革命遗址普查", p, None, (), sites=k)
    return _art(g, None, [text], p.unit, facts, qa)


# --------------------------------------------------------------------------------------------------
# Issues

SECTION_ORDER = ("工作要闻", "工作动态", "基层动态", "经验交流", "理论研究", "信息短波")


def _pick(g: Gen, table: tuple[tuple[Template, float], ...], p: Place, d: date) -> Article:
    fns = [f for f, _ in table]
    weights = [w for _, w in table]
    for _ in range(12):
        art = g.r.choices(fns, weights)[0](g, p, d)
        if art:
            return art
    for fn in (ev_lecture, ev_quiz, ev_seminar, ev_book_launch):
        art = fn(g, p, d)
        if art:
            return art
    raise RuntimeError("handle space exhausted")


def _place_for(g: Gen) -> Place:
    pub = g.pub
    return pub.home if pub.kind == "district" else g.r.choice(pub.places)


def build_issue(world: World, rng: random.Random, pub: Publisher, idate: date, number: str, serial: int | None,
                issue_id: str, handles: set[str], routine: set[tuple[Any, ...]]) -> Issue:
    g = Gen(world, rng, pub, idate, handles, routine)
    first = rng.choice(("工作动态", "工作动态", "工作要闻"))
    rest = ["基层动态", "经验交流", "理论研究", "信息短波"]
    k = rng.randint(2, 4)
    chosen = [first] + rng.sample(rest, k - 1)
    if "信息短波" not in chosen and rng.random() < 0.5:
        chosen[-1] = "信息短波"
    chosen = sorted(set(chosen), key=SECTION_ORDER.index)
    total = rng.randint(max(3, len(chosen)), 10)
    counts = {s: 1 for s in chosen}
    spare = total - len(chosen)
    share = {"工作要闻": 3.0, "工作动态": 3.0, "基层动态": 2.5, "信息短波": 2.5, "经验交流": 0.3, "理论研究": 0.3}
    while spare > 0:
        s = rng.choices(chosen, [share[x] for x in chosen])[0]
        cap = 2 if s in ("经验交流", "理论研究") else 6
        if counts[s] < cap:
            counts[s] += 1
            spare -= 1
        elif all(counts[x] >= (2 if x in ("经验交流", "理论研究") else 6) for x in chosen):
            break
    sections = []
    for s in chosen:
        arts: list[Article] = []
        while len(arts) < counts[s]:
            g.new_article()
            d = g.ev_date()
            if s in ("工作动态", "工作要闻"):
                own = pub.kind == "city" and rng.random() < 0.4
                art = _pick(g, OWN_EVENTS, pub.home, d) if own else _pick(g, DISTRICT_EVENTS, _place_for(g), d)
            elif s == "基层动态":
                art = _pick(g, DISTRICT_EVENTS, _place_for(g), d)
            elif s == "经验交流":
                p = pub.home if (pub.kind == "city" and rng.random() < 0.3) else _place_for(g)
                art = experience_article(g, p, d) or _pick(g, DISTRICT_EVENTS, _place_for(g), d)
            elif s == "理论研究":
                art = theory_article(g, pub.home if rng.random() < 0.3 else _place_for(g), d)  # type: ignore[assignment]
            else:
                p = pub.home if (pub.kind == "city" and rng.random() < 0.2) else _place_for(g)
                art = brief_item(g, p, d) or brief_item(g, _place_for(g), d) or _pick(g, DISTRICT_EVENTS, _place_for(g), d)
                if not art.brief:  # keep 信息短波 titleless
                    art = Article(None, None, art.source, True, art.paragraphs[:1], art.facts, qa=art.qa)
            assert art is not None
            arts.append(art)
        sections.append(Section(s, tuple(arts)))
    show_title = rng.random() < 0.6
    return Issue(
        id=issue_id, title=rng.choice(pub.titles), number=number, serial=serial, publisher=pub.name,
        date=idate.isoformat(), sections=tuple(sections), show_title=show_title,
        show_number=show_title and rng.random() < 0.85 or rng.random() < 0.2, show_toc=rng.random() < 0.75,
        report_to=rng.choice(pub.reports) if rng.random() < 0.85 else None,
        send_to=rng.choice(pub.sends) if rng.random() < 0.8 else None,
        render_seed=rng.getrandbits(32),
    )


def generate_issues(n_issues: int, seed: int = 0) -> list[Issue]:
    """Build ``n_issues`` issues in date order; people, books and slogans are shared across the corpus."""
    rng = random.Random(seed)
    world = World(random.Random(f"world-{seed}"))
    pubs = world.publishers
    per_pub = Counter(rng.choices(range(len(pubs)), [p.weight for p in pubs], k=n_issues))
    lo, hi = date(2019, 1, 1).toordinal(), date(2024, 12, 31).toordinal()
    schedule: list[tuple[date, int]] = []
    for pi in range(len(pubs)):
        days: set[int] = set()
        while len(days) < per_pub[pi]:
            days.add(rng.randint(lo, hi))
        schedule += [(date.fromordinal(x), pi) for x in sorted(days)]
    schedule.sort()
    numbers: dict[tuple[int, int], int] = Counter()
    serial_base = {pi: rng.randint(20, 180) for pi in range(len(pubs))}
    handles: set[str] = set()
    routine: set[tuple[Any, ...]] = set()
    issues = []
    for i, (d, pi) in enumerate(schedule):
        numbers[(pi, d.year)] += 1
        serial_base[pi] += 1
        issue_rng = random.Random(f"{seed}-{i}-{rng.getrandbits(32)}")
        issues.append(build_issue(world, issue_rng, pubs[pi], d, f"{d.year}年第{numbers[(pi, d.year)]}期",
                                  serial_base[pi] if issue_rng.random() < 0.3 else None, f"issue-{i + 1:04d}",
                                  handles, routine))
    return issues


# --------------------------------------------------------------------------------------------------
# Rendering

_ASCII = "0-9A-Za-z.%"
_SPACE_BEFORE = re.compile(rf"(?<=[\u4e00-\u9fff])(?=[{_ASCII[:-3]}])")
_SPACE_AFTER = re.compile(rf"(?<=[{_ASCII}])(?=[\u4e00-\u9fff])")
_TOKEN = re.compile(rf"[{_ASCII}]+| |.")
_NO_LINE_START = set("，。、；：？！）》”’…·")
BODY_WIDTH, FIRST_WIDTH, TITLE_WIDTH, TOC_WIDTH = 29.0, 27.0, 22.0, 30.0


def spaced(text: str) -> str:
    """Put a space between ASCII runs (numbers) and CJK ideographs, as the PDF text layer does."""
    return _SPACE_AFTER.sub(" ", _SPACE_BEFORE.sub(" ", text))


def _tw(tok: str) -> float:
    return 0.5 * len(tok) if tok.isascii() else float(len(tok))


def wrap(text: str, width: float = BODY_WIDTH, first: float | None = None) -> list[str]:
    """Greedy wrap in CJK-character units (ASCII counts half); numbers never split; no line starts with 。，"""
    lines: list[str] = []
    cur: list[str] = []
    w = 0.0
    limit = first if first is not None else width
    for tok in _TOKEN.findall(spaced(text)):
        tw = _tw(tok)
        if cur and w + tw > limit and tok not in _NO_LINE_START and tok != " ":
            lines.append("".join(cur).strip())
            cur, w, limit = [], 0.0, width
        if not cur and tok == " ":
            continue
        cur.append(tok)
        w += tw
    if cur:
        lines.append("".join(cur).strip())
    return [x for x in lines if x]


def wrap_balanced(text: str, width: float) -> list[str]:
    """Wrap a heading into lines of similar length (no orphaned last character)."""
    total = sum(_tw(t) for t in _TOKEN.findall(spaced(text)))
    if total <= width:
        return wrap(text, width)
    n = int(-(-total // width))
    return wrap(text, total / n + 1.0)


class _Pager:
    """Collects printed lines; every ~20 text lines a page ends and the next starts with a space."""

    def __init__(self, rng: random.Random) -> None:
        self.r = rng
        self.lines: list[tuple[str, str | None]] = []
        self.count = 0
        self.page = 1
        self.page_len = rng.randint(19, 23)
        self.first = True

    def add(self, text: str, tag: str | None = None) -> None:
        if self.first or self.count >= self.page_len:
            if not self.first and self.r.random() < 0.12:
                self.lines.append((f"— {self.page} —", tag))
            else:
                text = " " + text
            if not self.first:
                self.page += 1
            self.first = False
            self.count = 0
            self.page_len = self.r.randint(19, 23)
        self.lines.append((text, tag))
        self.count += 1

    def break_page(self) -> None:
        self.count = self.page_len

    def keep(self, n: int) -> None:
        """Start a new page unless ``n`` more lines fit (headings do not straddle pages)."""
        if not self.first and self.count + n > self.page_len:
            self.break_page()


def _render_lines(issue: Issue) -> list[tuple[str, str | None]]:
    r = random.Random(issue.render_seed)
    pg = _Pager(r)
    d = date.fromisoformat(issue.date)
    if issue.show_title:
        pg.add(issue.title)
    if issue.show_number:
        num = spaced(issue.number)
        if issue.serial and r.random() < 0.7:
            num += f"（总第 {issue.serial} 期）"
        pg.add(num)
    pg.add(f"{issue.publisher}编 {spaced(_cdate(d))}")
    if issue.show_toc:
        for sec in issue.sections:
            pg.add(f"【{sec.name}】")
            for art in sec.articles:
                if art.title:
                    entry = "●" + (art.toc_title or art.title)
                    for line in wrap(entry, TOC_WIDTH):
                        if r.random() < 0.15:  # the extraction sometimes loses a space in the TOC
                            line = line.replace(" ", "", 1)
                        pg.add(line)
        pg.break_page()
    idx = 0
    for sec in issue.sections:
        pg.add(f"【{sec.name}】")
        for art in sec.articles:
            idx += 1
            tag = article_id(issue, idx)
            head: list[str] = []
            if art.title:
                parts = [art.title[: art.title_split], art.title[art.title_split:]] if art.title_split else [art.title]
                for part in parts:
                    head += wrap_balanced(part, TITLE_WIDTH)
            if art.subtitle:
                head += wrap_balanced(art.subtitle, TITLE_WIDTH + 2)
            if art.byline:
                head.append(art.byline)
            pg.keep(len(head) + 1)
            for line in head:
                pg.add(line, tag)
            body: list[str] = []
            for para in art.paragraphs:
                body += wrap(para, BODY_WIDTH, FIRST_WIDTH)
            src = f"（{art.source}供稿）"
            if art.source_inline and _tw(body[-1]) + 0.5 + len(src) <= BODY_WIDTH + 0.5 and not body[-1].isascii():
                body[-1] = f"{body[-1]} {src}"
            else:
                body.append(src)
            for line in body:
                pg.add(line, tag)
    for label, value in (("报", issue.report_to), ("送", issue.send_to)):
        if value:
            for line in wrap(f"{label}：{value}", TOC_WIDTH):
                pg.add(line)
    return pg.lines


def render_txt(issue: Issue) -> str:
    """The issue as PDF-extracted text: one blank line after every printed line."""
    lines = _render_lines(issue)
    tail = "\n " if random.Random(issue.render_seed ^ 0x5EED).random() < 0.5 else "\n"
    return "\n\n".join(t for t, _ in lines) + tail


_WS = re.compile(r"\s+")


def render_segments(issue: Issue) -> dict[str, str]:
    """Article id -> the article's printed lines (title to 供稿, page marks included) with whitespace removed."""
    segs: dict[str, list[str]] = defaultdict(list)
    for text, tag in _render_lines(issue):
        if tag:
            segs[tag].append(text)
    return {k: _WS.sub("", "".join(v)) for k, v in segs.items()}


# --------------------------------------------------------------------------------------------------
# Ground truth and questions


def _scan(keys: Iterable[str], texts: dict[str, str]) -> dict[str, set[str]]:
    """Which texts contain each key: one pass over the corpus with a 2-char prefix table (no n×m find)."""
    by_prefix: dict[str, list[str]] = defaultdict(list)
    found: dict[str, set[str]] = {}
    for k in set(keys):
        if len(k) >= 2:
            by_prefix[k[:2]].append(k)
            found[k] = set()
    for aid, t in texts.items():
        get = by_prefix.get
        for i in range(len(t) - 1):
            cand = get(t[i : i + 2])
            if cand:
                for k in cand:
                    if t.startswith(k, i):
                        found[k].add(aid)
    return found


UNANSWERABLE_FORMS = (
    "{p}委书记是谁？", "{p}是什么时候召开党史学习教育动员大会的？", "{p}出版了哪部党史著作？",
    "{p}红色故事宣讲活动共宣讲了多少场？", "{p}委党史研究室主任是谁？",
)
OFF_TOPIC = ("2019年重庆GDP是多少？", "成都地铁有几条线路？", "党史研究室的办公电话是多少？", "明天重庆会下雨吗？",
             "2022年四川省常住人口是多少？", "哪个区举办了党史马拉松比赛？", "党史无人机表演是在哪天举行的？")


def _make_qa(issues: list[Issue], segments: list[dict[str, str]], seed: int) -> tuple[list[dict[str, Any]], dict[str, str]]:
    rng = random.Random(f"qa-{seed}")
    all_texts = {k: v for segs in segments for k, v in segs.items()}
    sig_count: Counter[tuple[Any, ...]] = Counter()
    for issue in issues:
        for art in issue.articles:
            for sig in {q.sig for q in art.qa}:
                sig_count[sig] += 1
    keys = [k for issue in issues for art in issue.articles for q in art.qa for k in q.keys]
    found = _scan(keys, all_texts)
    qa: list[dict[str, Any]] = []
    refs: dict[str, str] = {}
    kinds: Counter[str] = Counter()
    for issue in issues:
        valid: list[tuple[str, QA, str]] = []
        for i, art in enumerate(issue.articles, 1):
            aid = article_id(issue, i)
            for q in art.qa:
                if sig_count[q.sig] != 1:
                    continue
                key = next((k for k in q.keys if found.get(k) == {aid}), None)
                if key:
                    valid.append((aid, q, key))
        rng.shuffle(valid)
        picked: list[tuple[str, QA, str]] = []
        per_article: Counter[str] = Counter()
        seen: set[tuple[str, str]] = set()
        while len(picked) < 4:
            # keep kinds balanced over the corpus and spread questions over the issue's articles
            pool = [v for v in valid if (v[0], v[1].kind) not in seen and per_article[v[0]] < 2]
            if not pool:
                break
            aid, q, key = min(pool, key=lambda v: (per_article[v[0]], kinds[v[1].kind]))
            seen.add((aid, q.kind))
            per_article[aid] += 1
            kinds[q.kind] += 1
            picked.append((aid, q, key))
        for aid, q, key in picked:
            qid = f"syn-{len(qa) + 1:05d}"
            qa.append({"id": qid, "question": q.question, "key": key, "answers": list(q.answers), "kind": q.kind})
            refs[qid] = aid
    # unanswerable: held-out places and units, fresh names, off-topic
    n_un = max(3, len(issues) // 10)
    names_rng = random.Random(f"names-{seed}")
    fresh: list[str] = []
    while len(fresh) < n_un:
        nm = names_rng.choice(SURNAMES) + "".join(names_rng.choice(GIVEN) for _ in range(2))
        if nm not in fresh:
            fresh.append(nm)
    absent = {k for k, v in _scan(fresh, all_texts).items() if not v}
    fresh = [n for n in fresh if n in absent]
    for j in range(n_un):
        kind = j % 4
        if kind == 0:
            q = rng.choice(UNANSWERABLE_FORMS).format(p=rng.choice(HELD_OUT_PLACES))
        elif kind == 1:
            q = f"{rng.choice(HELD_OUT_UNITS)}{rng.choice(('主任是谁？', '何时召开工作务虚会？', '编纂了哪些党史著作？'))}"
        elif kind == 2 and fresh:
            nm = fresh.pop()
            q = rng.choice((f"{nm}在哪次座谈会上作了讲话？", f"{nm}是哪个区的区委书记？", f"老党员{nm}是哪一年入党的？"))
        else:
            q = rng.choice(OFF_TOPIC)
        qa.append({"id": f"syn-{len(qa) + 1:05d}", "question": q, "key": None, "answers": [], "kind": "unanswerable"})
    return qa, refs


def _make_multi(issues: list[Issue], segments: list[dict[str, str]], seed: int) -> list[dict[str, Any]]:
    rng = random.Random(f"multi-{seed}")
    all_texts = {k: v for segs in segments for k, v in segs.items()}
    arts: dict[str, Article] = {}
    for issue in issues:
        for i, art in enumerate(issue.articles, 1):
            arts[article_id(issue, i)] = art
    out: list[dict[str, Any]] = []

    def add(kind: str, question: str, ids: list[str], answers: list[str]) -> None:
        out.append({"id": f"multi-{len(out) + 1:04d}", "question": question, "kind": kind,
                    "expected_items": [arts[a].ref for a in ids], "answers": answers, "refs": ids})

    def when(aid: str) -> str | None:
        d = arts[aid].facts.get("date")
        return _cdate(date.fromisoformat(d)) if d else None

    # person: every article whose text mentions the person, when that equals the facts (no accidental substrings)
    by_person: dict[str, list[str]] = defaultdict(list)
    for aid, art in arts.items():
        for name, _role in art.facts.get("persons", []):
            if aid not in by_person[name]:
                by_person[name].append(aid)
    cands = [n for n, ids in by_person.items() if 2 <= len(ids) <= 8]
    mentions = _scan(cands, all_texts)
    people = [n for n in cands if mentions[n] == set(by_person[n])]
    rng.shuffle(people)
    for name in people[: max(2, len(issues) // 8)]:
        ids = by_person[name]
        q = rng.choice((f"{name}参加了哪些活动？", f"{name}出席过哪些党史活动？", f"哪些简报文章提到了{name}？"))
        add("person", q, ids, sorted({w for a in ids if (w := when(a))}))
    # time: events of one place in one month
    by_month: dict[tuple[str, int, int], list[str]] = defaultdict(list)
    for aid, art in arts.items():
        d, place = art.facts.get("date"), art.facts.get("district")
        if d and place:
            dd = date.fromisoformat(d)
            by_month[(place, dd.year, dd.month)].append(aid)
    groups = sorted(k for k, v in by_month.items() if 2 <= len(v) <= 8)
    rng.shuffle(groups)
    for place, y, m in groups[: max(2, len(issues) // 8)]:
        ids = by_month[(place, y, m)]
        q = rng.choice((f"{y}年{m}月{place}开展了哪些党史活动？", f"{y}年{m}月{place}有哪些党史工作动态？"))
        add("time", q, ids, sorted({w for a in ids if (w := when(a))}))
    month_all: dict[tuple[int, int], list[str]] = defaultdict(list)
    for aid, art in arts.items():
        if art.facts.get("date"):
            dd = date.fromisoformat(art.facts["date"])
            month_all[(dd.year, dd.month)].append(aid)
    for (y, m), ids in sorted(month_all.items()):
        if 2 <= len(ids) <= 10 and rng.random() < 0.5:
            add("time", f"{y}年{m}月有哪些党史活动？", ids, sorted({w for a in ids if (w := when(a))}))
    # list: the articles of one issue, and one place's books
    sample = rng.sample(issues, min(len(issues), max(2, len(issues) // 6)))
    for issue in sorted(sample, key=lambda x: x.id):
        ids = [article_id(issue, i) for i, a in enumerate(issue.articles, 1) if a.title]
        if not ids:
            continue
        d = date.fromisoformat(issue.date)
        if issue.show_number:
            title = f"《{issue.title}》" if issue.show_title else "简报"
            q = rng.choice((f"{issue.publisher}{title}{issue.number}有哪些文章？", f"{issue.publisher}编的{issue.number}{title}刊登了哪些文章？"))
        else:
            q = f"{issue.publisher}{_cdate(d)}编发的简报有哪些文章？"
        add("list", q, ids, [arts[a].ref for a in ids])
    books: dict[str, list[str]] = defaultdict(list)
    for aid, art in arts.items():
        if art.facts.get("event") in ("党史著作首发式", "党史著作出版") and art.facts.get("district"):
            books[art.facts["district"]].append(aid)
    for place in sorted(books):
        if 2 <= len(books[place]) <= 8 and rng.random() < 0.5:
            ids = books[place]
            add("list", f"{place}编纂出版了哪些党史著作？", ids, [arts[a].facts["handle"] for a in ids])
    return out


def _truth(issue: Issue, qa_by_article: dict[str, list[str]]) -> dict[str, Any]:
    sections, idx = [], 0
    for sec in issue.sections:
        arts = []
        for art in sec.articles:
            idx += 1
            aid = article_id(issue, idx)
            arts.append({"id": aid, "index": idx, "title": art.title, "subtitle": art.subtitle, "ref": art.ref,
                         "source": art.source, "brief": art.brief, "facts": art.facts, "qa_ids": qa_by_article.get(aid, [])})
        sections.append({"name": sec.name, "articles": arts})
    every = issue.articles
    return {
        "issue": issue.id, "file": f"{issue.id}.txt", "title": issue.title, "title_shown": issue.show_title,
        "number": issue.number, "number_shown": issue.show_number, "serial": issue.serial,
        "publisher": issue.publisher, "date": issue.date, "toc": issue.show_toc, "sections": sections,
        "article_titles": [a.title for a in every if a.title], "sources": [a.source for a in every],
        "article_count": len(every), "distribution": {"报": issue.report_to, "送": issue.send_to},
    }


def build_corpus(n_issues: int, seed: int = 0) -> Corpus:
    """Issues, their rendered text, per-article segments, QA and multi-issue QA, all in memory."""
    issues = generate_issues(n_issues, seed)
    texts = [render_txt(i) for i in issues]
    segments = [render_segments(i) for i in issues]
    qa, refs = _make_qa(issues, segments, seed)
    multi = _make_multi(issues, segments, seed)
    by_article: dict[str, list[str]] = defaultdict(list)
    for qid, aid in refs.items():
        by_article[aid].append(qid)
    truth = [_truth(i, by_article) for i in issues]
    return Corpus(issues, texts, segments, qa, refs, multi, truth)


def _dump_jsonl(path: Path, rows: Iterable[dict[str, Any]]) -> None:
    with path.open("w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")


def write_corpus(corpus: Corpus, out_dir: Path) -> list[Path]:
    """Write issue-XXXX.txt, truth.jsonl, qa.jsonl and qa_multi.jsonl; return the issue file paths."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for issue, text in zip(corpus.issues, corpus.texts):
        path = out_dir / f"{issue.id}.txt"
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    _dump_jsonl(out_dir / "truth.jsonl", corpus.truth)
    _dump_jsonl(out_dir / "qa.jsonl", corpus.qa)
    _dump_jsonl(out_dir / "qa_multi.jsonl", corpus.multi)
    return paths


def generate(n_issues: int, out_dir: Path, seed: int = 0) -> list[Path]:
    """Generate ``n_issues`` issues into ``out_dir`` with their truth and QA files; return the issue paths."""
    return write_corpus(build_corpus(n_issues, seed), out_dir)


def summary(corpus: Corpus) -> str:
    kinds = Counter(q["kind"] for q in corpus.qa)
    n_art = sum(t["article_count"] for t in corpus.truth)
    return (f"{len(corpus.issues)} issues ({n_art} articles), {len(corpus.qa)} QA "
            f"({', '.join(f'{k} {v}' for k, v in sorted(kinds.items()))}), {len(corpus.multi)} multi-QA")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Generate synthetic 党史工作简报 issues with QA ground truth.")
    ap.add_argument("n", type=int, help="number of issues")
    ap.add_argument("out_dir", type=Path)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    corpus = build_corpus(args.n, args.seed)
    write_corpus(corpus, args.out_dir)
    print(f"wrote {summary(corpus)} to {args.out_dir} (seed {args.seed}) in {time.perf_counter() - t0:.1f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
