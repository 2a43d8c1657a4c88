"""Typed-span extraction, one mechanism per test, on small sentences with real jieba."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from bulletin_bot.index.sparse import Tokenizer
from bulletin_bot.ingest.chunk import sentences
from bulletin_bot.model import Kind
from bulletin_bot.qa.kinds import module_for
from bulletin_bot.qa.kinds.base import Context, Found, balanced, places_in
from bulletin_bot.qa.lexicon import gazetteer, lexicon
from bulletin_bot.qa.question import question_kind


@pytest.fixture(scope="module")
def snap() -> SimpleNamespace:
    return SimpleNamespace(tokenizer=Tokenizer({}), terms={})


def spans(question: str, sentence: str, snap: SimpleNamespace, kind: Kind | None = None) -> set[str]:
    kind = kind or question_kind(question)
    module = module_for(kind)
    slots = module.parse(question, snap)
    q = SimpleNamespace(
        text=question, kind=kind, slots=slots, anchors=lexicon().synonyms(slots.anchor) if slots.anchor else (),
        entities=(),
    )
    return {f.text for f in module.extract(q, Context(sentence, sentence, "2017-03-02", False, snap))}


# --- sentences ------------------------------------------------------------------------------------


def split(text: str) -> list[str]:
    return [text[s:e] for s, e in sentences(text)]


def test_a_title_or_quotation_holding_an_exclamation_is_not_split() -> None:
    assert split("他主演了《你好！旧时光》。后来去了北京。") == ["他主演了《你好！旧时光》。", "后来去了北京。"]
    assert split("口号是“加油！”的意思。第二句。") == ["口号是“加油！”的意思。", "第二句。"]
    assert split("书名叫「再见。」的那本书很好。") == ["书名叫「再见。」的那本书很好。"]


def test_a_quotation_that_ends_a_sentence_still_ends_it() -> None:
    assert split("他说：“我们走吧！”大家都笑了。") == ["他说：“我们走吧！”", "大家都笑了。"]
    assert split("第一句。\n第二句！第三句？") == ["第一句。", "第二句！", "第三句？"]


def test_an_unclosed_bracket_stops_holding_sentences_together() -> None:
    text = "没有闭合的《书名" + "很长" * 100 + "。下一句。"
    assert split(text)[-1] == "下一句。"


# --- number ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "sentence", "expected"),
    [
        ("每窝产几枚卵？", "雌鸟每窝产两到三枚卵。", "两到三枚"),
        ("果实的长度约是多少厘米？", "非洲猴面包树的果实长约15至20厘米。", "约15至20厘米"),
        ("生长在海拔多少米的地区？", "生长于海拔100米至2,800米的地区。", "100米至2,800米"),
        ("巴黎第四区的土地面积是多少？", "该区土地面积1.601 km²，是巴黎市第三小的区。", "1.601 km²"),
        ("乍都节公园的面积有多大？", "公园面积约为0.304平方公里。", "约为0.304平方公里"),
        ("人口密度是多少？", "该街道的人口密度达到每平方公里69670人。", "每平方公里69670人"),
        ("注册资本是多少？", "成立时最初的注册资本为30亿越南盾。", "30亿越南盾"),
        ("获得第几名？", "最终他获得第3名。", "第3名"),
        ("能容纳多少名观众？", "球场能容纳6,476名观众。", "6,476名观众"),
        ("首集收视率是多少？", "首集收视率为7.07，其后回落。", "7.07"),
        ("哪一节腰椎的编号是多少？", "最常受伤的是L5。", "L5"),
        ("有几个村和社区？", "区划调整后为8个村、2个社区。", "8个村、2个"),
    ],
)
def test_number_spans(question: str, sentence: str, expected: str, snap: SimpleNamespace) -> None:
    assert expected in spans(question, sentence, snap, Kind.NUMBER)


def test_an_ordinal_is_no_count_unless_asked(snap: SimpleNamespace) -> None:
    assert "4次" not in spans("开了多少次会？", "这是第4次会议。", snap, Kind.NUMBER)


# --- where ----------------------------------------------------------------------------------------


def test_the_gazetteer_knows_countries_provinces_and_cities() -> None:
    gaz = gazetteer()
    assert gaz["美国"] == "country" and gaz["山西"] == "province" and gaz["胡志明市"] == "city"
    assert [k for _, _, k in places_in("美国德克萨斯州北部")] == ["country", "province"]


def test_which_country_is_answered_by_the_country(snap: SimpleNamespace) -> None:
    assert question_kind("阿马里洛是哪个国家的城市") is Kind.WHERE
    found = spans("阿马里洛是哪个国家的城市", "阿马里洛是美国德克萨斯州北部的一座城市。", snap)
    assert {"美国", "美国德克萨斯州"} <= found


def test_where_someone_is_from_is_a_place_and_people(snap: SimpleNamespace) -> None:
    assert {"山西人", "山西"} <= spans("李成栋是哪里人", "李成栋，山西人，明末将领。", snap)
    assert "新加坡人" in spans("潘嘉丽是哪儿的人？", "潘嘉丽，新加坡人，歌手。", snap, Kind.WHERE)


def test_the_object_of_a_place_verb(snap: SimpleNamespace) -> None:
    found = spans("苏佩维埃尔出生于哪里？", "苏佩维埃尔生于乌拉圭蒙得维的亚。", snap)
    assert "乌拉圭蒙得维的亚" in found and "乌拉圭蒙得维" not in found  # 的 inside a name is no joint
    assert "巴西" in spans("软枝黄蝉的原生地在哪里？", "为夹竹桃科黄蝉属植物，原生于巴西，现广植于热带地区。", snap)


def test_a_place_span_keeps_whole_brackets(snap: SimpleNamespace) -> None:
    found = spans(
        "摩尔甘比足球俱乐部是哪个地方的足球俱乐部？",
        "摩尔甘比足球俱乐部是位于英格兰西北兰开夏郡渡假小镇莫克姆（Morecambe）的足球俱乐部。",
        snap,
    )
    assert "英格兰西北兰开夏郡渡假小镇莫克姆" in found
    assert not any(f.count("（") != f.count("）") for f in found)
    assert balanced(Found("莫克姆（Morecambe", 0, 13, 1.0), "").text == "莫克姆"


def test_which_film_is_answered_by_a_title(snap: SimpleNamespace) -> None:
    sentence = "在2013年9月上映的电影《第一次不是你》中，蒋家旻首度担当女主角。"
    assert "《第一次不是你》" in spans("蒋家旻在哪部电影中首度担当女主角？", sentence, snap, Kind.WHERE)


# --- who ------------------------------------------------------------------------------------------


def test_transliterated_names_are_whole(snap: SimpleNamespace) -> None:
    found = spans("总理贾斯汀·特鲁多的父亲是谁？", "现任总理贾斯汀·特鲁多的父亲皮埃尔·特鲁多去世。", snap, Kind.WHO)
    assert "皮埃尔·特鲁多" in found and "皮埃尔·特鲁多去世" not in found
    assert "伊恩·法兰明" in spans("占士·邦的创造者是谁？", "占士·邦是一个由伊恩·法兰明所创作的虚构人物。", snap)
    # The last part ends where a common word starts; no span is half of the name.
    got = spans("哪位生物学家建立了这个名称？", "1994年，生物学家汤玛斯·霍尔兹正式建立这个名称。", snap, Kind.WHO)
    assert "汤玛斯·霍尔兹" in got and not {"汤玛斯", "汤玛斯·霍尔兹正式建"} & got


def test_the_agent_of_the_asked_act(snap: SimpleNamespace) -> None:
    sentence = "神圣十月的动画系列是由Konami Digital Entertainment创作的。"
    assert "Konami Digital Entertainment" in spans("《神圣十月》的动画系列是由谁创作的？", sentence, snap)
    found = spans("鸟兽脚类的概念是由谁提出来的？", "在1988年，保罗·塞里诺（Paul Sereno）提出鸟兽脚类的概念。", snap)
    assert "保罗·塞里诺" in found


def test_names_listed_together_and_with_an_honorific(snap: SimpleNamespace) -> None:
    assert "潘志文、张玛莉、林嘉华" in spans("《鳄鱼泪》是谁主演的？", "本剧由潘志文、张玛莉、林嘉华等领衔主演。", snap)
    assert "阮爱馨女士" in spans("书院现任校长是谁？", "现任校长为阮爱馨女士。", snap, Kind.WHO)


def test_an_office_asked_for(snap: SimpleNamespace) -> None:
    found = spans("1998年6月至2000年4月，蒋巨峰担任什么职务？", "1998年6月至2000年4月任中共温州市委书记。", snap, Kind.WHO)
    assert "中共温州市委书记" in found


# --- when -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "sentence", "expected"),
    [
        ("李日华生于哪一年？", "李日华生于明世宗嘉靖四十四年（1565年），幼时聪敏。", "明世宗嘉靖四十四年（1565年）"),
        ("渡川之战发生于什么时候？", "渡川之战发生于天正3年（1575年）。", "天正3年（1575年）"),
        ("第二届比赛什么时候举行的？", "第二届比赛于2009年9月27日-10月9日举行。", "2009年9月27日-10月9日"),
        ("什么时候互换批准书？", "双方代表于一九六一年九月十日在平壤互换批准书。", "一九六一年九月十日"),
        ("街道什么时候开始改建？", "1990年代以后，街道开始彻底改建。", "1990年代以后"),
        ("生殖季是什么时候？", "生殖季在2至4月。", "2至4月"),
        ("盛花期是什么时候？", "花期为3-8月，盛花期为夏季。", "夏季"),
        ("条约有效期是多长时间？", "条约有效期二十年。", "二十年"),
    ],
)
def test_when_spans(question: str, sentence: str, expected: str, snap: SimpleNamespace) -> None:
    assert expected in spans(question, sentence, snap, Kind.WHEN)


# --- what and open questions ----------------------------------------------------------------------


def test_another_name_of_the_thing(snap: SimpleNamespace) -> None:
    sentence = "蓝线裸顶鲷，又称蓝线白鱼，俗名龙尖，为辐鳍鱼纲的其中一个种。"
    found = spans("蓝线裸顶鲷的俗名是什么？", sentence, snap, Kind.WHAT)
    assert {"龙尖", "俗名龙尖"} <= found
    assert "广西壮族自治区南宁市第二中学" in spans(
        "南宁二中是什么的简称？", "广西壮族自治区南宁市第二中学，简称南宁二中。", snap, Kind.WHAT
    )


def test_open_questions_get_the_clauses_of_a_sentence_about_them(snap: SimpleNamespace) -> None:
    sentence = "但由于叔侄皆锋芒过露，排挤异己阴狠毒辣，引起时人的强烈反感。"
    found = spans("为什么时人强烈反感高英叔侄？", sentence, snap, Kind.WHAT)
    assert "由于叔侄皆锋芒过露，排挤异己阴狠毒辣" in found
    assert spans("刘七是怎么死的？", "最后刘七中箭落水死，义军溃散。", snap, Kind.OTHER) >= {"最后刘七中箭落水死"}
    assert not spans("刘七是怎么死的？", "天气很好，大家出门。", snap, Kind.OTHER)  # a sentence about something else


# --- shapes found on fresh question sets (2026-12-02) ---------------------------------------------


def found(question: str, sentence: str, snap: SimpleNamespace, kind: Kind | None = None) -> list[Found]:
    kind = kind or question_kind(question)
    module = module_for(kind)
    slots = module.parse(question, snap)
    q = SimpleNamespace(
        text=question, kind=kind, slots=slots, entities=(),
        anchors=lexicon().synonyms(slots.anchor) if slots.anchor else (),
    )
    return module.extract(q, Context(sentence, sentence, "2019-11-25", True, snap))


def best(spans_: list[Found]) -> str:
    return max(spans_, key=lambda f: f.quality).text


@pytest.mark.parametrize(
    ("question", "sentence", "expected"),
    [
        # The words that introduce a list and the count after it are not items.
        ("活动分哪四个环节", "活动分为读党史、听党史、讲党史、答党史四个环节。", "读党史、听党史、讲党史、答党史"),
        ("哪几家单位作了表态发言", "区退役军人事务局、区教育局、区人社局、汇川街道4家单位作了表态发言。",
         "区退役军人事务局、区教育局、区人社局、汇川街道"),
        # Quoted items printed one after another.
        ("展览分了哪几个单元", "展览分为“建设起步”“改革春潮”“跨越发展”“奋进新时代”4个单元。",
         "“建设起步”“改革春潮”“跨越发展”“奋进新时代”"),
        # Items after a count and a colon.
        ("“三个着力”是哪三个", "重点做到“三个着力”：着力推进数字化建设，着力筑牢安全防线，着力提升服务水平。",
         "着力推进数字化建设，着力筑牢安全防线，着力提升服务水平"),
    ],
)
def test_list_spans(question: str, sentence: str, expected: str, snap: SimpleNamespace) -> None:
    assert best(found(question, sentence, snap, Kind.LIST)) == expected


def test_a_list_with_as_many_items_as_asked_wins(snap: SimpleNamespace) -> None:
    sentence = "会议明确了宣传、教育两项任务，要求做好征集、研究、编纂三项工作。"
    assert best(found("要做好哪三项工作", sentence, snap, Kind.LIST)) == "征集、研究、编纂"


def test_a_period_answers_from_when_to_when_and_a_day_does_not_answer_which_day(snap: SimpleNamespace) -> None:
    sentence = "9月26日至10月31日，主题展览在县文化中心举办。"
    assert best(found("展览从哪天办到哪天", sentence, snap, Kind.WHEN)) == "2019年9月26日至10月31日"
    assert best(found("展览是哪天开幕的", sentence, snap, Kind.WHEN)) == "2019年9月26日"
    # 「2024年全体会议」 dates the meeting's year, not its day.
    year_only = found("全体会议是哪天开的", "区双拥工作领导小组召开2024年全体会议。", snap, Kind.WHEN)
    assert all(f.quality <= 0.3 for f in year_only if f.text == "2024年")  # a day date scores 0.8 and more


def test_a_persons_titles_answer_what_post_they_hold() -> None:
    snap = SimpleNamespace(tokenizer=Tokenizer({}), terms={"宋明辉": "person"})
    sentence = "推进会召开，区退役军人事务局党组书记、局长宋明辉出席会议。"
    assert best(found("宋明辉是什么职务", sentence, snap)) == "区退役军人事务局党组书记、局长"


def test_a_named_thing_is_the_quoted_name_with_the_asked_noun(snap: SimpleNamespace) -> None:
    sentence = "2021年，周大勇回村创办“勇兵”生态养殖专业合作社，发展林下养殖。"
    assert question_kind("周大勇办的合作社叫什么名字") is Kind.WHAT
    assert "“勇兵”生态养殖专业合作社" in {f.text for f in found("周大勇办的合作社叫什么名字", sentence, snap)}


def test_a_name_inside_a_quoted_slogan_is_no_person(snap: SimpleNamespace) -> None:
    sentence = "委员在龙潭镇卫生院开展“委员进乡村·健康送到家”义诊活动，县人民医院副院长陈立群带领医务人员参加。"
    got = spans("义诊是谁带队的", sentence, snap)
    assert "陈立群" in got
    assert not any(s in "委员进乡村·健康送到家" for s in got), got  # no piece of the slogan as a name


def test_a_name_after_a_title_ends_where_a_common_word_starts(snap: SimpleNamespace) -> None:
    got = spans("是哪位领导带队的", "5月16日，县政协副主席林海涛带领部分委员赴浙江考察。", snap)
    assert "林海涛" in got and "林海" not in got


def test_which_village_is_a_place_with_that_ending(snap: SimpleNamespace) -> None:
    got = spans("考察组去的是哪个村", "考察组先后走访了安吉县鲁家村、余村和德清县莫干山镇仙潭村，实地察看民宿集群。", snap)
    assert {"鲁家村", "余村", "仙潭村"} <= got
    got = spans("周大勇是哪个村的", "龙潭镇马家沟村退役军人周大勇回乡创业，他带领村“两委”修通产业路，带动本村农户增收。", snap)
    assert "马家沟村" in got and not any(s.endswith(("带领村", "本村")) for s in got), got


def test_a_rate_is_answered_by_a_percentage(snap: SimpleNamespace) -> None:
    from bulletin_bot.qa.kinds import number

    assert number.parse("提案办复率是多少", snap).classifier == "%"
    slots = number.parse("今年提案一共立案多少件", snap)
    assert (slots.anchor, slots.noun) == ("立案", "提案")


def test_two_lists_joined_by_one_long_item_are_two_lists(snap: SimpleNamespace) -> None:
    sentence = "带动石门乡、柳坪乡、双河镇3个乡镇420余户农户种植黄精、白及、重楼、天麻等中药材2600余亩。"
    got = spans("农户种的都是哪些药材", sentence, snap, Kind.LIST)
    assert any(s.endswith("黄精、白及、重楼、天麻") for s in got), got
    assert not any("柳坪乡" in s and "天麻" in s for s in got), got


def test_titles_printed_together_are_one_list(snap: SimpleNamespace) -> None:
    sentence = "会议审议通过了《协商工作计划》和《委员履职积分管理办法（试行）》，协商通过了人事事项。"
    assert "《协商工作计划》和《委员履职积分管理办法（试行）》" in spans("审议通过了哪几个文件", sentence, snap, Kind.LIST)


def test_a_count_asked_for_what_its_items_are_is_a_list_question() -> None:
    assert question_kind("协商会上提的4条建议是什么") == Kind.LIST
    assert question_kind("提了几条建议") == Kind.NUMBER
    assert question_kind("活动分哪四个环节") == Kind.LIST


def test_a_year_is_no_count(snap: SimpleNamespace) -> None:
    sentence = "研究院表彰2019年度信息报送先进单位，重庆等10地获评。"
    got = spans("一共有多少个地方获评", sentence, snap)
    assert "10地" in got and not any(s.startswith("2019") for s in got), got
    assert question_kind("朱长根是哪个街道的") == Kind.WHERE


def test_a_quote_inside_a_title_loses_to_the_title(snap: SimpleNamespace) -> None:
    from bulletin_bot.qa.kinds import what

    sentence = "县政协近日印发《关于深化“有事好商量”基层协商工作的实施意见》，在全县设立联络组。"
    question = "县政协印发的文件叫什么名字"
    slots = what.parse(question, snap)
    q = SimpleNamespace(text=question, kind=Kind.WHAT, slots=slots, anchors=(), entities=())
    found = what.extract(q, Context(sentence, sentence, "2023-06-20", False, snap))
    best = max(found, key=lambda f: f.quality)
    assert best.text == "《关于深化“有事好商量”基层协商工作的实施意见》"


def test_counts_printed_with_their_noun_and_places_of_a_committee(snap: SimpleNamespace) -> None:
    got = spans("读书活动有多少党员参与", "市直机关3900多个党组织、5万余党员踊跃参与。", snap)
    assert "5万余" in got or "5万余党员" in got, got
    assert question_kind("莫恭明是哪个区的书记") == Kind.WHERE
    got = spans("莫恭明是哪个区的书记", "市委常委、万州区委书记莫恭明主持召开区委常委会。", snap)
    assert "万州区" in got, got


def test_the_asked_verb_without_its_adverb_and_the_agent_of_that_verb(snap: SimpleNamespace) -> None:
    from bulletin_bot.qa.kinds import what, who

    assert what.parse("会上大家一起学了什么", snap).anchor == "学"
    sentence = "南川区党史和地方志研究室编纂的《南川抗战损失》，日前由中共党史出版社公开出版。"
    question = "那本书是谁编的"
    slots = who.parse(question, snap)
    q = SimpleNamespace(text=question, kind=Kind.WHO, slots=slots, anchors=lexicon().synonyms(slots.anchor), entities=())
    found = who.agents(q, Context(sentence, sentence, "2021-01-08", False, snap))
    best = max(found, key=lambda f: f.quality)
    assert best.text == "南川区党史和地方志研究室", found


def test_which_days_asks_when_but_how_many_points_asks_a_count() -> None:
    assert question_kind("申遗专班去泰顺是哪几天？") is Kind.WHEN
    assert question_kind("区志初稿是哪几天审的") is Kind.WHEN
    assert question_kind("会议分哪几个环节") is Kind.LIST
    assert question_kind("讲话提出了几点要求") is Kind.NUMBER


def test_places_after_zai_that_end_as_places_are_one_answer(snap: SimpleNamespace) -> None:
    found = spans("城市书房分馆开在哪里", "今年在屏都街道、黄田镇新设2个城市书房分馆。", snap)
    assert "屏都街道、黄田镇" in found


def test_a_title_printed_after_the_name_or_in_a_chain_agrees_with_the_asked_title() -> None:
    from bulletin_bot.qa.rank import role_agreement

    def agrees(sentence: str, name: str, role: str) -> float:
        at = sentence.index(name)
        return role_agreement(sentence, at, role, at + len(name))

    assert agrees("评审组由丽水学院教授王立新任组长，从五个方面评审。", "王立新", "评审组的组长") > 0.9
    assert agrees("县政协委员、康源中药材专业合作社理事长王秀芬扎根山区。", "王秀芬", "中药材合作社的那个委员") > 0.5
    assert agrees("评审组由丽水学院教授王立新任组长，李明任副组长。", "李明", "评审组的组长") < 0.5
    # Another office's holder still does not agree (市委…主任 for 璧山区委…主任).
    assert agrees("市委党史研究室主任徐塞声率队调研。", "徐塞声", "璧山区委党史研究室主任") == 0.0


def test_until_when_is_answered_by_the_end_of_the_period(snap: SimpleNamespace) -> None:
    module = module_for(Kind.WHEN)
    question = "“书香枫林”阅读月活动持续到什么时候？"
    slots = module.parse(question, snap)
    assert slots.anchor == "持续"
    q = SimpleNamespace(text=question, kind=Kind.WHEN, slots=slots, anchors=lexicon().synonyms("持续"), entities=())
    sentence = "活动时间为5月13日至6月13日，共开展读书分享12场。"
    found = module.extract(q, Context(sentence, sentence, "2022-06-20", False, snap))
    best = max(found, key=lambda f: f.quality)
    assert best.text == "2022年6月13日"
    # Asked when it starts, the start still wins.
    question = "阅读月活动什么时候开始？"
    slots = module.parse(question, snap)
    q = SimpleNamespace(text=question, kind=Kind.WHEN, slots=slots, anchors=(), entities=())
    found = module.extract(q, Context(sentence, sentence, "2022-06-20", False, snap))
    quality = {f.text: f.quality for f in found}
    assert quality["2022年5月13日"] > quality.get("2022年6月13日", 0.0)
