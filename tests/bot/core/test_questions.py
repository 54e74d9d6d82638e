"""bot.core.questions: a message cut into its questions, each with the context it needs."""
from __future__ import annotations

import pytest

from bot.core.questions import (
    announces_context,
    asking_clauses,
    asks,
    asks_for_a_person,
    offers_choice,
    asks_the_same_again,
    first_question_view,
    is_question,
    names_a_detail,
    question_view,
    split_questions,
    without_details,
)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Is it only for citizens? What documents does it require?",
         ["Is it only for citizens?", "What documents does it require?"]),
        # A situation goes with the first question only; the joiner is dropped.
        ("My order got rejected. Do I have to use the app again, and how big can the images be?",
         ["My order got rejected. Do I have to use the app again", "how big can the images be?"]),
        # Details stated first apply to every question (the later ones get the usual word of each
        # detail: "泰国籍" is a foreigner, "福建省" Fujian).
        ("我是台湾人，在福建做个人备案，要按指纹吗？用什么证件？",
         ["我是台湾人，在福建做个人备案，要按指纹吗？", "台湾福建个人，用什么证件？"]),
        ("公司在福建省，法人是泰国籍。法人传什么证件？授权书怎么传？",
         ["公司在福建省，法人是泰国籍。法人传什么证件？", "企业福建外籍，授权书怎么传？"]),
        ("1. what documents do I need 2. what is the size limit 3. where is the template",
         ["what documents do I need", "what is the size limit", "where is the template"]),
        # Chinese questions chained with commas and joiners.
        ("核验单要按指纹吗，域名证书在哪里下载", ["核验单要按指纹吗", "域名证书在哪里下载"]),
        # A condition before its comma belongs to the question after it, even one that reads as a
        # question itself (几), and even a short one.
        ("新疆个人备案核验单要按手印对吧？要是有好几个域名，又该怎么写",
         ["新疆个人备案核验单要按手印对吧？", "要是有好几个域名，又该怎么写"]),
        ("核验单要盖章吗？如果是个人，怎么签", ["核验单要盖章吗？", "如果是个人，怎么签"]),
        # English that names Chinese terms keeps the English rules: a space after a term ends no
        # sentence; Chinese that names an English term ("APP", "A4") keeps the Chinese ones.
        ("can the app upload the 域名证书? what about the 授权书 from our 法人?",
         ["can the app upload the 域名证书?", "what about the 授权书 from our 法人?"]),
        ("1) what file formats does the upload page take? 2) my 身份证 photo is about 6MB, is that why it keeps failing?",
         ["what file formats does the upload page take?", "my 身份证 photo is about 6MB, is that why it keeps failing?"]),
        ("A4纸能写下吗 多个域名怎么办", ["A4纸能写下吗", "多个域名怎么办"]),
        # Help-centre titles ask without a question word; 及 joins two of them.
        ("核验单下载地址；签字笔颜色要求", ["核验单下载地址；", "核验单签字笔颜色要求"]),
        ("域名证书获取方式及上传图片格式要求", ["域名证书获取方式", "及上传图片格式要求"]),
        ("港澳台及外籍人士备案可用证件一览", ["港澳台及外籍人士备案可用证件一览"]),
        ("请问多个域名填写核验单的规定，各省份分别是怎样的？", ["请问多个域名填写核验单的规定，各省份分别是怎样的？"]),
        # A statement opened with "also" and a fragment asking about it is a question of its own.
        ("能换种上传方式不？还有这次图片死活传不上去，咋办", ["能换种上传方式不？", "还有这次图片死活传不上去，咋办"]),
        ("What formats are ok? Also the upload keeps failing, why?",
         ["What formats are ok?", "the upload keeps failing, why?"]),
        # Asking for something to be made asks, without a question word.
        ("我个人备案，帮我出个要准备的清单吧。顺便问下证件照片必须彩色的吗",
         ["我个人备案，帮我出个要准备的清单吧。", "个人，顺便问下证件照片必须彩色的吗"]),
        ("图片有什么要求？另外核验单怎么签字", ["图片有什么要求？", "另外核验单怎么签字"]),
        # Chat shorthand: "+" or "/" between questions, Chinese sentences separated by spaces.
        ("which docs do i need + what size should they be", ["which docs do i need", "what size should they be"]),
        ("材料要哪些 图片格式有要求吗 APP能传吗", ["材料要哪些", "图片格式有要求吗", "APP能传吗"]),
        # "…, or just one?" ends its question; "and once…/after…" with a question word starts one.
        ("Do I need both IDs, or just one? And does the license photo have to be a colour scan?",
         ["Do I need both IDs, or just one?", "does the license photo have to be a colour scan?"]),
        ("Which documents does the app let me upload, and once the phone part is done what do I click on the PC?",
         ["Which documents does the app let me upload", "once the phone part is done what do I click on the PC?"]),
        # "A还是B" asks which; 还是 before a failure is "still".
        ("个体户没有公章，核验单要怎么弄？营业执照传正本还是副本", ["个体户没有公章，核验单要怎么弄？", "营业执照传正本还是副本"]),
        ("图片是jpg，可还是一直提示上传失败，还能怎么弄", ["图片是jpg，可还是一直提示上传失败，还能怎么弄"]),
        # A dash sets off a clause: "which permit do I use" is one question after it.
        ("I'm from Taiwan - which permit do I use for the filing? And any tips for the face check?",
         ["I'm from Taiwan - which permit do I use for the filing?", "any tips for the face check?"]),
        # A Latin word set off by spaces inside a Chinese sentence ends nothing.
        ("台商，公司在厦门，能不能用阿里云 App 直接上传备案资料？", ["台商，公司在厦门，能不能用阿里云 App 直接上传备案资料？"]),
        # Direct wh-questions chained with English commas.
        ("what documents do I need, what's the size limit, and can I use my phone to upload",
         ["what documents do I need", "what's the size limit", "can I use my phone to upload"]),
        # Enumerated items are questions without a cue; a "?" sentence asks without one too.
        ("two questions: 1) what documents 2) image size limit",
         ["what documents", "image size limit"]),
        # A count heading is layout; Chinese questions may be listed with the enumeration comma.
        ("4 q's: which docs for a personal filing, is png ok, and does Jiangxi want a thumbprint",
         ["which docs for a personal filing", "is png ok", "does Jiangxi want a thumbprint"]),
        ("我有两个问题：个人备案传哪些材料、核验单在哪下、海南能不能用APP",
         ["个人备案传哪些材料", "核验单在哪下", "海南能不能用APP"]),
        # A place before the auxiliary, a condition before the question, a request for tips, a
        # two-word wh-question in a list, a "things:" heading and "walk me through" all ask.
        ("Where do I get the verification form, and in Jiangxi does a personal filer have to put a "
         "thumbprint on it?",
         ["Where do I get the verification form",
          "in Jiangxi does a personal filer have to put a thumbprint on it?"]),
        ("Which document do I use, is a phone photo ok, and if I get rejected can I redo the upload on the PC?",
         ["Which document do I use", "is a phone photo ok", "if I get rejected can I redo the upload on the PC?"]),
        ("Does the ICP number need to link to the MIIT site, and any advice on lighting for the face check?",
         ["Does the ICP number need to link to the MIIT site", "any advice on lighting for the face check?"]),
        ("face scan in the app keeps failing, any tips? also is the app even supported in Hubei",
         ["face scan in the app keeps failing, any tips?", "is the app even supported in Hubei"]),
        ("three things: can I sign with a blue pen, how do I fit 6 domains on it, and where is the template?",
         ["can I sign with a blue pen", "how do I fit 6 domains on it", "where is the template?"]),
        ("Does Chongqing support the app upload? If so, walk me through what I do on the phone.",
         ["Does Chongqing support the app upload?", "If so, walk me through what I do on the phone."]),
        ("公司备案几个问题：材料有哪些、核验单盖不盖章、广东能不能APP传",
         ["公司备案几个问题：材料有哪些", "企业，核验单盖不盖章", "企业，广东能不能APP传"]),
        # A size names its own thing: the letter is not carried over to it.
        ("授权书能和负责人身份证拼一张图吗，拼完超过4M了咋办", ["授权书能和负责人身份证拼一张图吗", "拼完超过4M了咋办"]),
        ("ECS续费有没有优惠码啊？另外核验单是在上传页面那里下载的吧",
         ["ECS续费有没有优惠码啊？", "另外核验单是在上传页面那里下载的吧"]),
        # A request for a list of other things is a question of its own.
        ("福建的企业备案，核验单模板在哪里下？顺便帮我们列一下要准备的全部材料",
         ["福建的企业备案，核验单模板在哪里下？", "福建企业，顺便帮我们列一下要准备的全部材料"]),
        ("quick ones: where's the domain cert, and what ID for a Macao owner?",
         ["where's the domain cert", "what ID for a Macao owner?"]),
        ("台胞证能当网站负责人的证件用吗？个人备案的核验单签个名就行了吧",
         ["台胞证能当网站负责人的证件用吗？", "个人备案的核验单签个名就行了吧"]),
        # A short "?" sentence asks on its own; a label with a colon goes with its question.
        ("Personal site in Jiangxi: fingerprint needed? is the app available?",
         ["Personal site in Jiangxi: fingerprint needed?", "individual, Jiangxi: is the app available?"]),
        ("domain cert: where to download? images: is png ok?",
         ["domain cert: where to download?", "images: is png ok?"]),
        # "and" + auxiliary asks only before a subject; "separately" may follow "and".
        ("My partner is Dutch and will be the owner, is his passport fine? can we use the app?",
         ["My partner is Dutch and will be the owner, is his passport fine?",
          "can we use the app?"]),
        ("What background does a visa photo need, and separately, what background is needed for the face check?",
         ["What background does a visa photo need", "separately, what background is needed for the face check?"]),
        # A sentence's preamble ("Also,", "And for the ICP itself,") goes with its question.
        ("Where is the domain certificate? Also, how much does a .cn domain cost?",
         ["Where is the domain certificate?", "how much does a .cn domain cost?"]),
        ("Do I need the public security filing? And for the ICP itself, whose IDs do I upload?",
         ["Do I need the public security filing?", "for the ICP itself, whose IDs do I upload?"]),
        # Direct questions with subjects of their own, chained with commas; "also" inside a
        # question joins nothing; a detail before a colon applies to each.
        ("For a personal filing in Xinjiang: do I sign the form, do I also need a fingerprint, "
         "and can I photograph the form?",
         ["For a personal filing in Xinjiang: do I sign the form",
          "individual, Xinjiang: do I also need a fingerprint",
          "individual, Xinjiang: can I photograph the form?"]),
        ("What documents do I need, and in which format should the pictures be?",
         ["What documents do I need", "in which format should the pictures be?"]),
        # A question that names none of the FAQ's things is about the one the question right
        # before it named ("哪些省能用" after a question about the app).
        ("APP扫码上传怎么操作？另外哪些省能用？", ["APP扫码上传怎么操作？", "APP 另外哪些省能用？"]),
        ("核验单在哪下载？又该怎么签？", ["核验单在哪下载？", "核验单又该怎么签？"]),
        # Asking for the answer as a list is not another question; asking for the checklist is.
        ("港澳台居民和外国人备案分别用什么证件，帮我列个表", ["港澳台居民和外国人备案分别用什么证件，帮我列个表"]),
        ("Which provinces need a fingerprint on the form? Give me the full list",
         ["Which provinces need a fingerprint on the form? Give me the full list"]),
        ("核验单怎么签？另外帮我列个清单", ["核验单怎么签？", "核验单另外帮我列个清单"]),
        ("备案上传图片支持的格式有哪些，全列一下", ["备案上传图片支持的格式有哪些，全列一下"]),
        ("哪些省要按手印？能全列一下吗", ["哪些省要按手印？能全列一下吗"]),
        ("Which provinces use the widened form? Need the full list.",
         ["Which provinces use the widened form? Need the full list."]),
        # 吧 after a modal asks for a yes; "真的假的" after hearsay asks whether it is true.
        ("3个域名能写在同一张核验单上吗？公司备案的话核验单要盖公章吧",
         ["3个域名能写在同一张核验单上吗？", "公司备案的话核验单要盖公章吧"]),
        ("核验单在哪下载？听说江西个人备案还要按手印，真的假的",
         ["核验单在哪下载？", "听说江西个人备案还要按手印，真的假的"]),
        ("哪几个省要用加宽版核验单？给个完整名单", ["哪几个省要用加宽版核验单？给个完整名单"]),
        # The next step is a question of its own, not a yes-or-no continuation; so is a file
        # format, and "支持…不" asks.
        ("手机APP能传哪些资料 传完还要在电脑上点提交吗", ["手机APP能传哪些资料", "APP 传完还要在电脑上点提交吗"]),
        ("贵州 要传啥材料 核验单黑笔签吗 支持pdf不", ["贵州要传啥材料", "贵州，核验单黑笔签吗", "贵州，支持pdf不"]),
        # "…行吗" after a statement of its own sentence asks about that statement.
        ("app扫码传不上去，是不是版本太旧了？还有电脑端传图也卡住，换个浏览器能行吗",
         ["app扫码传不上去，是不是版本太旧了？", "还有电脑端传图也卡住，换个浏览器能行吗"]),
        # "X呢" / "What about X?" asks the question before again, about another of the FAQ's things.
        ("app能传身份证吗？授权书呢？", ["app能传身份证吗？", "app能传授权书吗？"]),
        ("域名证书在哪打印？核验单呢？", ["域名证书在哪打印？", "核验单在哪打印？"]),
        # So does "X也…吗"; after a question that names only the app, it is asked about the app.
        ("app能传身份证吗？授权书也能传吗", ["app能传身份证吗？", "app能传授权书吗？"]),
        ("山西的 都要准备哪些证件 核验单也要吗", ["山西的都要准备哪些证件", "山西，都要准备哪些核验单"]),
        ("APP上能传哪些东西，授权书也能传吗？", ["APP上能传哪些东西", "APP，授权书也能传吗？"]),
        ("Where is the domain cert? And the form?", ["Where is the domain cert?", "Where is the form?"]),
        # A space stands for a comma, but a yes-or-no clause goes on only with a yes-or-no
        # question, and not with a condition of its own.
        ("驳回原因写的证件不清晰 要重新传什么样的图 上传方式能换吗",
         ["驳回原因写的证件不清晰要重新传什么样的图", "上传方式能换吗"]),
        ("用app传完以后电脑上还能看到我传的图吗 要是被打回了能改成电脑上传吗",
         ["用app传完以后电脑上还能看到我传的图吗", "要是被打回了能改成电脑上传吗"]),
        # 和 / 跟 between two whole questions.
        ("个人备案的核验单在哪下载跟要怎么签名啊", ["个人备案的核验单在哪下载", "个人，核验单要怎么签名啊"]),
        ("要传哪些材料和图片有啥要求", ["要传哪些材料", "图片有啥要求"]),
        # One question asked "respectively" of things with different answers.
        ("请问核验单跟域名证书分别要去哪里下载？", ["请问核验单要去哪里下载？", "域名证书要去哪里下载？"]),
        # A statement opened with "and" after a comma opens the matter the next clause asks about.
        ("How should I sign the verification form, and I have a second domain, where do I write it?",
         ["How should I sign the verification form", "I have a second domain, where do I write it?"]),
        # A dash ends a statement before an auxiliary, whatever its subject.
        ("We file as a company in Jiangxi - does he have to put his fingerprint on the form and what's "
         "the rule for several domains",
         ["We file as a company in Jiangxi - does he have to put his fingerprint on the form",
          "company, Jiangxi: what's the rule for several domains"]),
        # "…, and whether…" asks a second indirect question.
        ("I need to know where the Download button is, and whether the order goes back to draft.",
         ["I need to know where the Download button is", "whether the order goes back to draft."]),
        # A common slip of "which"; a spinning upload is a problem of its own after a question.
        ("domian certifcate where do i get it? also wich provinces can do the app uplaod",
         ["domian certifcate where do i get it?", "wich provinces can do the app uplaod"]),
        ("any tips for the face check? and my pics it just keeps spinning",
         ["any tips for the face check?", "my pics it just keeps spinning"]),
        # "Q1 - …" numbers an item.
        ("Q1 - which app version do I need?\nQ2 - which documents can the app not upload?",
         ["which app version do I need?", "which documents can the app not upload?"]),
        # A condition without a subject of its own before the auxiliary.
        ("what should I wear for the face check, and after approval do I have to display the number?",
         ["what should I wear for the face check", "after approval do I have to display the number?"]),
        # Ordinals number items ("第二个，…"); 多长时间 asks; "列一份…清单" requests.
        ("第一个问题，他备案时证件应该上传什么？第二个，听说还要做公安联网备案，那个大概要多长时间能办下来？",
         ["他备案时证件应该上传什么？", "听说还要做公安联网备案，那个大概要多长时间能办下来？"]),
        ("麻烦按他的情况给我列一份需要上传的材料清单；另外老人家刷脸核验的时候有什么要注意的",
         ["麻烦按他的情况给我列一份需要上传的材料清单；", "另外老人家刷脸核验的时候有什么要注意的"]),
        # Items numbered "1）" or run on as "（2）".
        ("请教三个问题：1）证件是不是都要传 2）照片大小有限制吗 3）备案收不收费",
         ["证件是不是都要传", "照片大小有限制吗", "备案收不收费"]),
        ("（1）核验单在哪下载（2）要盖章吗", ["核验单在哪下载", "核验单要盖章吗"]),
        # "明明是jpg…还是传不上去": 还是 says "still" there, not "or"; the complaint's question follows.
        ("照片明明是jpg也没超4M还是传不上去，到底怎么弄？还有初审怎么还没动静",
         ["照片明明是jpg也没超4M还是传不上去，到底怎么弄？", "还有初审怎么还没动静"]),
        # An item that opens with a statement asks after it.
        ("1. 公司备案的核验单需要盖公章吗\n2. 我们网站负责人不是法人，授权书要在哪里上传",
         ["公司备案的核验单需要盖公章吗", "我们网站负责人不是法人，授权书要在哪里上传"]),
        ("1、身份证下个月到期，还能用吗\n2、授权书放哪", ["身份证下个月到期，还能用吗", "授权书放哪"]),
        # "另外…" opens a question of its own, yes-or-no or not.
        ("APP上传怎么操作 另外刷脸对背景有要求没", ["APP上传怎么操作", "APP 另外刷脸对背景有要求没"]),
        # ...unless it names a thing of its own: the app.
        ("是浏览器的问题吗？换成手机APP传可以不", ["是浏览器的问题吗？", "换成手机APP传可以不"]),
        ("app上能传核验单吗？营业执照呢", ["app上能传核验单吗？", "app上能传营业执照吗？"]),  # a document
        ("app上能传身份证吗？营业执照这类的呢", ["app上能传身份证吗？", "app上能传营业执照吗？"]),
        # another material, in place of the thing before, never of the act ("上传")
        ("用app的话哪些资料可以在手机上传？像网站建设方案书这种呢",
         ["用app的话哪些资料可以在手机上传？", "用app的话哪些网站建设方案书可以在手机上传？"]),
        ("图片最大多大？格式呢？", ["图片最大多大？", "格式呢？"]),  # an attribute, not a thing
        # "A吗？还是B？" offers another answer to one question, after a question mark too.
        ("授权书这种能用app传吗？还是得回电脑上传？", ["授权书这种能用app传吗？还是得回电脑上传？"]),
        # "V了没有" at the end asks.
        ("app扫码上传到底怎么弄的？另外我们省开通了没有", ["app扫码上传到底怎么弄的？", "app 另外我们省开通了没有"]),
        # Naming only the app (a vehicle) still asks about the thing before: can the app take it?
        ("域名证书怎么下载 下载好了能用APP传吗", ["域名证书怎么下载", "域名证书下载好了能用APP传吗"]),
        ("授权书放哪？能用APP传不", ["授权书放哪？", "授权书能用APP传不"]),
        ("Where is the verification form? And how do I sign?",
         ["Where is the verification form?", "how do I sign (verification form)?"]),
        # ...never a thing it does not name: a question about images is a new subject.
        ("Do I have to use the app again? How big can the images be? How long is the review?",
         ["Do I have to use the app again?", "How big can the images be?", "How long is the review?"]),
        ("公司备案要传啥 域名证书在哪儿打 核验单要盖几个章", ["公司备案要传啥", "域名证书在哪儿打", "核验单要盖几个章"]),
        ("授权书也能用手机拍吗 山东能用这个功能不", ["授权书也能用手机拍吗", "山东能用这个功能不"]),
        ("核验单在哪下载 负责人是日本人咋整", ["核验单在哪下载", "负责人是日本人咋整"]),
        # Unpunctuated runs of questions: a question word with its auxiliary mid-clause, "and"
        # with an auxiliary before a subject, an auxiliary before "i/we/you" after a statement.
        ("which documents do i need how big can the pics be where do i get the template and do foreigners use a passport",
         ["which documents do i need", "how big can the pics be", "where do i get the template",
          "do foreigners use a passport"]),
        ("beian for my shop in liaoning can i use the app", ["beian for my shop in liaoning can i use the app"]),
        ("beian for my shop in liaoning can i use the app and what must i prepare",
         ["beian for my shop in liaoning can i use the app", "Liaoning: what must i prepare"]),
        ("Can I use the app in Fujian? What must I prepare?", ["Can I use the app in Fujian?", "Fujian: What must I prepare?"]),
        ("make me a checklist pls, and how do i get my domain cert",
         ["make me a checklist pls", "how do i get my domain cert"]),
        ("核验单下载链接给一个 另外签完的图最大能传几M", ["核验单下载链接给一个", "另外签完的图最大能传几M"]),
        # Bare-number and Q1 enumerations; a direct question ending a full-stop sentence.
        ("1 what docs 2 size limit 3 app ok in guangdong",
         ["what docs", "size limit", "app ok in guangdong"]),
        ("Q1 APP支持哪些省 Q2 幕布去哪领", ["APP支持哪些省", "幕布去哪领"]),
        ("备案号要挂首页吗 个人核验单签个名就行吧", ["备案号要挂首页吗", "个人核验单签个名就行吧"]),
        ("hunan, 9 domains, how do we fit them on the form. and company seal needed?",
         ["hunan, 9 domains, how do we fit them on the form.", "Hunan: company seal needed?"]),
        ("Is the app available in Anhui, and if it is, what can it upload?",
         ["Is the app available in Anhui", "if it is, what can it upload?"]),
        # Chinese questions chained with commas, 咋 asks too.
        ("要传哪些材料，图片多大，传不上去咋办", ["要传哪些材料", "图片多大", "传不上去咋办"]),
        ("we have two sites in beijing. do we need one form per site? Also the photos, jpg or png?",
         ["we have two sites in beijing. do we need one form per site?",
          "Beijing: the photos, jpg or png?"]),
        # "Also" / "另外" says the problem reported before it asked something too.
        ("证件图片传不上去，清了缓存也没用；另外必须是彩色的吗", ["证件图片传不上去，清了缓存也没用；", "另外必须是彩色的吗"]),
        # 还有 says "also" too, after statements ending a clause.
        ("图片上传不了，换成Chrome也一样；还有核验单签完是必须用扫描仪扫吗，手机拍行不行",
         ["图片上传不了，换成Chrome也一样；", "还有核验单签完是必须用扫描仪扫吗，手机拍行不行"]),
        # The same with the "also" in a clause of its own.
        ("证件图片死活传不上去；顺带问一句，备案期间网站能不能先开着",
         ["证件图片死活传不上去；", "顺带问一句，备案期间网站能不能先开着"]),
        # After a question, a failing upload reported in a sentence of its own is a second problem
        # to help with; a question right after it in its sentence is that problem's.
        ("被打回来了怎么重新传资料？之前传图老是提示失败", ["被打回来了怎么重新传资料？", "之前传图老是提示失败"]),
        ("电脑那边还要点啥才算交上去？还有电脑上传核验单一直在转圈圈",
         ["电脑那边还要点啥才算交上去？", "还有电脑上传核验单一直在转圈圈"]),
        ("驳回了能换上传方式吗？还有电脑上传一直失败，怎么办", ["驳回了能换上传方式吗？", "还有电脑上传一直失败，怎么办"]),
        # A problem reported in a sentence of statements after a question is a second problem.
        ("备案被打回草稿了，这次能改成电脑上传吗\n另外换了两个浏览器，图片还是传不上",
         ["备案被打回草稿了，这次能改成电脑上传吗", "另外换了两个浏览器，图片还是传不上"]),
        # "Also" asking before the statement that ends its sentence with a full stop.
        ("这次还能不能直接电脑上传？还有广东个人的核验单到底要写啥，我上次就只签了个名。",
         ["这次还能不能直接电脑上传？", "还有广东个人的核验单到底要写啥，我上次就只签了个名。"]),
        # 还是 after a statement of its sentence completes an either-or question of its own.
        ("要传营业执照，还是传组织机构代码证？另外核验单在哪下", ["要传营业执照，还是传组织机构代码证？", "另外核验单在哪下"]),
        # A fragment asking about its sentence's statements starts a question there.
        ("订单回到了草稿。这次想改成电脑上传，可以吗？还有换了火狐还是传不上图，怎么破",
         ["订单回到了草稿。这次想改成电脑上传，可以吗？", "还有换了火狐还是传不上图，怎么破"]),
        # "By the way, I ask" asks without a question word.
        ("这回我能不能改成在电脑上传？顺便问下辽宁是在能用app上传的省份里吧，以后还想用",
         ["这回我能不能改成在电脑上传？", "顺便问下辽宁是在能用app上传的省份里吧，以后还想用"]),
        # An English joiner between Chinese sentences is read as 另外.
        ("有三个域名，核验单怎样填？and also 核验单要用什么颜色的笔？", ["有三个域名，核验单怎样填？", "另外核验单要用什么颜色的笔？"]),
        # The "also" opens the matter its sentence's question asks about, commas later.
        ("域名证书怎么下载？另外我域名是在别家买的，不在阿里云，那咋整",
         ["域名证书怎么下载？", "另外我域名是在别家买的，不在阿里云，那咋整"]),
        ("do we have to redo it in the app? and now the new photo keeps failing to upload",
         ["do we have to redo it in the app?", "now the new photo keeps failing to upload"]),
        # The signature and the pen make a question of its own, not another way of doing the same;
        # it is still about the form.
        ("核验单要自己打印出来手写吗？签名用蓝色的签字笔行不行", ["核验单要自己打印出来手写吗？", "核验单签名用蓝色的签字笔行不行"]),
        ("The upload keeps failing in Chrome. Also, what size can the photos be?",
         ["The upload keeps failing in Chrome.", "what size can the photos be?"]),
        ("The licence scan keeps failing (7 MB PNG). Plus, where do I get the domain certificate?",
         ["The licence scan keeps failing (7 MB PNG).", "where do I get the domain certificate?"]),
        # 谁 asks; 另外 after 要不要 is "in addition", inside the question, not a new one.
        ("主体负责人不是法人要传什么证明，核验单谁来签", ["主体负责人不是法人要传什么证明", "核验单谁来签"]),
        ("负责人是香港人，证件传哪个？要不要另外准备授权书？",
         ["负责人是香港人，证件传哪个？", "香港，要不要另外准备授权书？"]),
        # A request for a person is a matter of its own; a problem reported before it is the first.
        ("图片我已经转成jpg了 也就1M多 换了谷歌和edge还是传不上去 能不能给我转个人工",
         ["图片我已经转成jpg了 也就1M多 换了谷歌和edge还是传不上去", "能不能给我转个人工"]),
        ("ICP备案下来以后还要不要做公安备案 你们这个机器人答得我看不懂 直接给我转人工吧",
         ["ICP备案下来以后还要不要做公安备案 你们这个机器人答得我看不懂", "直接给我转人工吧"]),
        ("The images keep failing to upload even as small jpgs, I cleared the cache. Can I talk to a human agent?",
         ["The images keep failing to upload even as small jpgs, I cleared the cache.", "Can I talk to a human agent?"]),
        ("what formats are ok? also can I talk to someone", ["what formats are ok?", "can I talk to someone"]),
        ("tried chrome and edge. what else can I try? honestly can I just talk to an actual person at this point",
         ["tried chrome and edge. what else can I try?", "honestly can I just talk to an actual person at this point"]),
        # 要 of 要求 is the noun: "衣服有要求没" asks about clothes, not another way of the question before.
        ("人脸核验的时候能戴眼镜吗 衣服有要求没", ["人脸核验的时候能戴眼镜吗", "衣服有要求没"]),
        # A question word of its own asks something else than the yes or no before.
        ("人脸核验背景要幕布吗 穿啥合适", ["人脸核验背景要幕布吗", "幕布穿啥合适"]),
        # "还得…不" asks (A-not-A after 得).
        ("上传的证件能是复印件吗 另外备案下来以后还得去公安备案不",
         ["上传的证件能是复印件吗", "另外备案下来以后还得去公安备案不"]),
        # A clause opening with the next step asks about that step, "可以吗" or not.
        ("核验单模板在哪下 要彩色打印吗 签完拍照可以吗", ["核验单模板在哪下", "核验单要彩色打印吗", "签完拍照可以吗"]),
        # What the writer does not know, said with a full stop, asks when another matter follows.
        ("准备材料的时候卡住了，不确定法人那边要提供什么证件。另外他签的授权书能不能跟他的证件放在一起传？",
         ["准备材料的时候卡住了，不确定法人那边要提供什么证件。", "另外他签的授权书能不能跟他的证件放在一起传？"]),
        # Still another way of the same yes-or-no question.
        ("还要用app重新传吗 能不能电脑传", ["还要用app重新传吗 能不能电脑传"]),
        # The "also" statement before a spaced question is its setting.
        ("app里资料都传完了 也显示订单信息了 接下来电脑上还要干嘛？另外万一被驳回 是不是还得用app重新扫一遍",
         ["app里资料都传完了 也显示订单信息了接下来电脑上还要干嘛？", "另外万一被驳回 是不是还得用app重新扫一遍"]),
        # 再一个 opens another matter; a format error reported is a problem of its own.
        ("湖南个人备案 两个域名都要备 核验单域名那里怎么填？再一个 上传的时候老提示格式不对 是啥原因",
         ["湖南个人备案 两个域名都要备核验单域名那里怎么填？", "湖南个人，再一个 上传的时候老提示格式不对 是啥原因"]),
        # "这几个位置" points at the things just named: no title asked.
        ("现在上传页面只有身份证 营业执照 核验单这几个位置 授权书到底该传在哪个位置",
         ["现在上传页面只有身份证 营业执照 核验单这几个位置 授权书到底该传在哪个位置"]),
        # A chat opener of another matter, and "also" before a spaced fragment that asks.
        ("江西的 个人备案 核验单除了签名还要按手印吗 然后我有两个域名 核验单上咋写",
         ["江西的 个人备案核验单除了签名还要按手印吗", "江西个人，然后我有两个域名 核验单上咋写"]),
        ("我广东的 个人备案 能用手机APP传资料不 还有听说广东的核验单要手写一段话 写啥啊",
         ["我广东的 个人备案能用手机APP传资料不", "广东个人，还有听说广东的核验单要手写一段话 写啥啊"]),
        # Choices that name what another question asks for are a question of their own.
        ("核验单在哪下载？是拍照传还是扫描传", ["核验单在哪下载？", "核验单是拍照传还是扫描传"]),
        # Each province asked again on its own; an "also" statement and the statements after it
        # are the setting of the fragment that asks about them.
        ("福建的能用app传资料吗 那辽宁呢 江苏呢", ["福建的能用app传资料吗", "那辽宁呢", "江苏呢"]),
        ("帮老板整企业备案 公司在安徽 用app传资料是啥步骤 另外公司前年改过名 管局要名称变更证明 这个咋传",
         ["帮老板整企业备案 公司在安徽用app传资料是啥步骤", "企业安徽，另外公司前年改过名 管局要名称变更证明 这个咋传"]),
        # Titles asked after "想问下", joined by 、 as by 及.
        ("想问下湖南个人备案核验单的签字要求、多个域名的写法，以及管局审核大概要几天",
         ["想问下湖南个人备案核验单的签字要求", "多个域名的写法", "湖南个人，以及管局审核大概要几天"]),
        # What to do after a mistake is a question of its own, yes-or-no as it may be.
        ("核验单签字一定要黑笔吗 签错了能划掉重签不 还是得重新打印一张",
         ["核验单签字一定要黑笔吗", "核验单签错了能划掉重签不 还是得重新打印一张"]),
        # A question mark inside brackets is an aside of the question around it.
        ("doing face check in aliyun app tomorrow any tips for the photo like background (need the mubu or white "
         "wall ok?) or clothes? one more thing, can I also snap the domain certificate with the app or only ID card",
         ["doing face check in aliyun app tomorrow any tips for the photo like background (need the mubu or white "
          "wall ok?) or clothes?", "one more thing, can I also snap the domain certificate with the app or only ID card"]),
        # "how to…" asks, even in a sentence ending with a full stop.
        ("Company has 5 domains, filing in Hainan. how to write all of them on the hexiaodan, there is not "
         "enough space in the box. And must every domain have its own domain certificate uploaded?",
         ["Company has 5 domains, filing in Hainan. how to write all of them on the hexiaodan, there is not "
          "enough space in the box.", "company, Hainan: must every domain have its own domain certificate uploaded?"]),
        # A problem's sentence goes on after a space.
        ("家里墙是浅灰色的 刷脸背景不是白的会不会过不了\n另外电脑上审核已上传资料那页图片都裂了 重新传也失败",
         ["家里墙是浅灰色的刷脸背景不是白的会不会过不了", "另外电脑上审核已上传资料那页图片都裂了 重新传也失败"]),
        # Details named with an earlier question apply to a later one that names nothing but the
        # app; a residency does not (it decided the ID answer before).
        ("域名证书在哪打印，我是河南的 个人 能不能手机app上传",
         ["域名证书在哪打印，我是河南的 个人", "河南个人，能不能手机app上传"]),
        ("香港人在广东备案用回乡证可以吗？另外能不能用app传",
         ["香港人在广东备案用回乡证可以吗？", "广东，另外能不能用app传"]),
        ("台湾居民在大陆做个人备案，证件要传哪种？然后能不能用app传",
         ["台湾居民在大陆做个人备案，证件要传哪种？", "个人，然后能不能用app传"]),
        # ...nor to one that opens on the answer to the question before: it is asked for that case.
        ("Is app upload available in Guangdong and if yes how do I use it",
         ["Is app upload available in Guangdong", "if yes how do I use it (app)"]),
        # An enumeration comma after a question particle ends a question; between things it lists.
        ("图片一直传不上去 jpg的也不行 是啥原因、还有幕布拍照对穿着有要求么、实在传不了能找人工不",
         ["图片一直传不上去 jpg的也不行是啥原因", "还有幕布拍照对穿着有要求么", "幕布实在传不了能找人工不"]),
        # After an upload that fails, turning to another way of uploading is a question of its own.
        ("上传按钮点了没反应；能不能改用手机app直接拍照传", ["上传按钮点了没反应；", "能不能改用手机app直接拍照传"]),
        ("上传按钮点了没反应，是浏览器的问题吗？要不我直接用手机传行不行",
         ["上传按钮点了没反应，是浏览器的问题吗？", "要不我直接用手机传行不行"]),
        # 吗 typed as 马 still asks.
        ("阿里云app扫码上传 我们重庆能用马 还有人脸识别要穿正装不",
         ["阿里云app扫码上传我们重庆能用马", "还有人脸识别要穿正装不"]),
        # A forum post's title sums up what its description asks: no question of its own.
        ("标题：香港人在大陆做个备要传什么证件 描述：本人香港居民 在深圳上班。上传证件那步用回乡证可以不？核验单上签名是签中文名还是英文名呢",
         ["标题：香港人在大陆做个备要传什么证件 描述：本人香港居民 在深圳上班。上传证件那步用回乡证可以不？",
          "香港大陆，核验单上签名是签中文名还是英文名呢"]),
        # "补充：" opens another matter, which the question after it asks about.
        ("阿里云app上传备案资料是咋操作的 是拿app扫电脑上那个二维码吗？补充：我是福建的 福建能用app传不",
         ["阿里云app上传备案资料是咋操作的", "是拿app扫电脑上那个二维码吗？", "补充：我是福建的 福建能用app传不"]),
        # A choice after a question of how ("怎么传") offers ways of doing it.
        ("营业执照和名称变更证明怎么传 分开还是放一起\n域名证书在哪下",
         ["营业执照和名称变更证明怎么传 分开还是放一起", "域名证书在哪下"]),
        # Chinese writers of English: a preamble, "and" + a question worded any way, yes-or-no
        # endings without an auxiliary.
        ("Please ask, our company verification form need stamp? and after stamp how to upload it, scan or phone photo is ok",
         ["Please ask, our company verification form need stamp?", "after stamp how to upload it, scan or phone photo is ok"]),
        ("my company in Jiangxi, legal person sign is ok or need fingerprint，and the picture max how many MB",
         ["my company in Jiangxi, legal person sign is ok or need fingerprint",
          "company, Jiangxi: the picture max how many MB"]),
        ("where I download 域名证书 for my domain bought in aliyun, and the 核验单 template where to download",
         ["where I download 域名证书 for my domain bought in aliyun", "the 核验单 template where to download"]),
        # A sentence after a question that offers a choice and names no person asks it; one that
        # speaks of people is a statement.
        ("for ICP he upload passport right? passport only photo page or all pages need",
         ["for ICP he upload passport right?", "passport only photo page or all pages need"]),
        ("Can I use my passport? I have a passport or a permit.",
         ["Can I use my passport? I have a passport or a permit."]),
        # A failed upload, then a request for a person: two matters.
        ("Tried 3 browser still cannot upload the business license. Can I talk with a real person? urgent",
         ["Tried 3 browser still cannot upload the business license.", "company: Can I talk with a real person? urgent"]),
        # "…行不行" naming a form of the document (a copy, a scan) asks about it.
        ("备案上传的身份证是不是正反面都要传？黑白复印件扫描一下行不行",
         ["备案上传的身份证是不是正反面都要传？", "黑白复印件扫描一下行不行"]),
        ("In Anhui, personal filing. can i use aliyun app to upload? the app can upload 核验单 too or only ID "
         "card, and face recognition any requirement",
         ["In Anhui, personal filing. can i use aliyun app to upload?",
          "Anhui, individual: the app can upload 核验单 too or only ID card",
          "Anhui, individual: face recognition any requirement"]),
        # A question particle right before a Latin word ends its question.
        ("刷脸老是不通过有啥技巧吗app最低要啥版本", ["刷脸老是不通过有啥技巧吗", "app最低要啥版本"]),
        # A question of several things hands none of them on to the next one.
        ("核验单和域名证书分别去哪下载？签字用什么颜色的笔",
         ["核验单去哪下载？", "域名证书去哪下载？", "签字用什么颜色的笔"]),
        # "for <thing> is …" asks; so does a thing asked for with "pls"; "plus any tips" too.
        ("what ID does he upload, he has the 台胞证? and for the verification form is his signature enough",
         ["what ID does he upload, he has the 台胞证?", "for the verification form is his signature enough"]),
        ("verification form download link pls + for the company seal, is red or blue ink ok",
         ["verification form download link pls", "for the company seal, is red or blue ink ok"]),
        ("how does it work, we scan some QR code? plus any tips for the face scan",
         ["how does it work, we scan some QR code?", "any tips for the face scan"]),
    ],
)
def test_compound_messages_are_cut_into_questions(text, expected):
    assert split_questions(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "I'm from Hong Kong, can I use my HKID?",
        "I'm not a Chinese citizen. Can I still file?",
        # English commas join the clauses of one question.
        "hello, i'm not sure what files the system expects from me, can you list them",
        "which ID, passport or home return permit?",
        "what formats? size?",  # a one-word fragment never stands alone
        "核验单要盖章吗？还是签字就行？",
        # 还有 inside a sentence is "still", and before 什么 "what else".
        "身份证还有两个月就到期了，现在拿去备案会不会不行？",
        "身份证复印件还有用吗？",
        "身份证传好了，还有什么要传的？",
        "身份证要彩色的，还是黑白的也行？",
        "备案要传什么？还有什么要注意的我也不清楚。",
        # A failing upload reported before the question is its background.
        "图片一直上传失败，是不是格式不对",
        "核验单签完是必须用扫描仪扫吗，手机拍行不行",
        "can I upload the ID and also the licence?",
        "请问 阿里云APP怎么上传",  # a preamble is no question of its own
        "请问一下，备案要什么材料",
        # Inside one question the auxiliary is its own, and conditions stay with it.
        "What documents do I need for the filing",
        "Can our admin do the document upload on the app?",
        "my new id photo is .webp is that accepted",
        "And if we get rejected how do we re-upload?",
        "My co-founder is Dutch and will be the site owner, is his passport fine?",
        "list what the app can and can't upload",
        "List every region where we can attach a separate sheet with our domains",
        "my photo is 6 MB and i have 2 domains, what now?",
        "现在不知道两个域名怎么填到核验单上，能不能写在一起？",
        "I'm in Guangzhou. When I downloaded the form, it looked odd. What do individuals put on it?",
        "I'm not sure where do I find the template",
        # "When" + a subject opens a condition, and an auxiliary before a verb goes on with a
        # story: neither is a question of its own, even closing a full-stop sentence.
        "Our site is in Hunan. When I fill in the form there's only one box for the domain. "
        "How do I list all of them?",
        "When I upload the photo it says too large, what should I do",
        "身份证、营业执照要传吗",  # things listed in one question
        # "Would this other way do?" asks the question before again, not a new one.
        "备案号是必须放在首页底部正中间吗 放侧边栏行不行",
        "备案审核期间网站非得关站吗，挂个维护页行不行",
        # A yes-or-no clause naming nothing of its own goes on with the question before.
        "这次重新提交的时候是不是还必须用App传，能不能改成在电脑上传？",
        "备案号具体要放在网站的什么位置，需不需要加链接？",
        "上传的证件必须原件拍照吗，复印件拍照能过不？",
        # ...after a space between Chinese sentences too (chat style), after a yes-or-no question.
        "被驳回了 还要用app重新传吗 能不能电脑传",
        "用阿里云app传资料是怎么个步骤 能跟我说说不",  # asks for more of the same
        "第一次备案要传什么",  # 第一次 is no item number
        # 和 / 跟 between things, or after a modal; "respectively" of things of one answer.
        "身份证和营业执照要传吗",
        "营业执照能不能跟身份证拼在一起吗",
        "外籍，在北京备案，证件图片的要求跟国内人一样吗",
        "身份证和营业执照分别拍几张",
        # Another way of doing what was just asked, naming no thing of its own.
        "重新提交时是否还必须用手机App上传资料？能否改为在电脑上上传？",
        # Asked again as a list, however politely.
        "请问多个域名填写核验单的规定，各省份分别是怎样的？能否按省份分类列出来？",
        "签好的核验单有效期是多久，上个月签的现在还能拿来用不？",
        # A request that only points back asks for more of the same question.
        "Which provinces currently support uploading through the app? List them please.",
        "上传页面上那几个框分别对应哪些材料，能一项项列出来吗",
        "if it is the same, do I sign twice?",
        "For a company is the seal needed on the form?",
        "刷脸那一下要穿啥、能不能戴眼镜？",  # short details of one question
        "APP里面能传授权委托书这种吗，还是只能传身份证、执照那几样",  # 那几样: "those", not "how many"
        "哪些省份的个人备案核验单要按手印，都列一下",  # asked again as a list
        "What are all the accepted ID types for owners who aren't mainland Chinese (HK, Macao, Taiwan)?",
        "When the app asks for the face check, what should I wear?",
        "I'm the contact and my friend is the legal rep and will run the site. Which documents "
        "do we upload?",
        # Full-stop sentences are statements when the writer marks questions with "?".
        "I'm a foreigner. It asks for a resident ID card, which I don't have. What do I upload instead?",
        "我去年买了服务器。页面上有好几个上传框，我不清楚分别要传什么。个人备案到底要传哪些证件？",
        # What the writer does not know is the setting of the question after it.
        "我已经打印出来了，但不知道怎么填。除了签名还得写什么吗？",
        "After the ICP is approved, do I also need the public security filing?",
        "在内蒙古 一次备好几个域名 核验单上该怎么处理",  # 好几个 (several) asks nothing
        "海南备案几个域名 核验单写不下写在哪",  # nor does 几个 outside a question
        "where can I get the cert, is it in the domain console?",
        "Can I upload jpg / png?",
        "the app is version 3.16.0. it doesn't work",
        "图片4.5M能传吗",
        "身份证之外还有什么必须要传的",  # 还有 here is "what else", not "also"
        "我在广东。另外核验单怎么签？",  # details before "另外" tailor the question
        # Reports of what an agent said, and a request for one with details only, ask once.
        "客服之前说要授权书，授权书传哪",
        "法人身份证还有一个多月就到期了，能传吗",  # 还有 before an amount is "still has"
        "The agent told me to upload a letter, where does it go?",
        "我是北京的公司 能转人工吗",
        "身份证、营业执照要彩色的吗",  # 、 between things
        # Choices offered for what the question asks ("哪天" -> "那天").
        "核验单最下面那个日期写哪天 是打印那天还是提交那天啊",
        "核验单最下面那个日期写哪天 打印那天还是提交那天 怕填错被打回",
        "核验单最下面那个日期写哪天啊 写签字那天还是提交那天",
        "Liaoning",
        "",
    ],
)
def test_single_questions_stay_whole(text):
    assert split_questions(text) == [text]


def test_every_question_is_returned_even_beyond_the_answered_maximum():
    text = "What formats? Can I use the app in Anhui? How do I sign the form? Where is the domain certificate?"
    assert len(split_questions(text)) == 4


def test_question_cues():
    assert is_question("how big can the images be")
    assert is_question("要按指纹吗")
    assert is_question("so can i use the app")
    assert not is_question("my order got rejected")
    assert not is_question("我是台湾人")
    # Words that only look like question cues in statements.
    for statement in ("我前几天已经传了", "几年前备过一次案", "我传了这么多次都失败", "那么我们就用电脑传",
                      "身份证十几年了", "什么都没传", "想在阿里云给个人网站备案"):
        assert not is_question(statement), statement
    assert is_question("有效期要几年") and is_question("核验单传了么")
    assert is_question("我们重庆能用马") and not is_question("项目马上要上马了")
    # 吧 after "can" asks for a yes; after a plain statement it does not.
    assert is_question("另外回乡证能当负责人证件用吧")
    assert is_question("重庆应该可以用app传吧")
    assert not is_question("那就先这样吧")
    assert asks("I'm from Hong Kong, can I use my HKID?")
    assert asks("Liaoning?")
    assert not asks("I'm a Taiwan resident")
    # A help-centre title asks; a statement, a heading or a long clause ending the same way does not.
    for title in ("核验单下载地址", "APP上传操作流程", "非中国大陆籍负责人有效证件要求", "域名证书获取方式及图片格式要求"):
        assert asks(title), title
    for statement in ("初审驳回，说照片不符合要求", "模板已下载", "我看了上传要求", "情况说明：贵州，单位备案",
                      "客户那边整理好的全部资料都已经按照你们之前说的方式"):
        assert not asks(statement), statement


def test_details_are_recognised_from_the_lexicon_and_provinces():
    assert names_a_detail("I'm from Hong Kong")
    assert names_a_detail("we file in Anhui")
    assert names_a_detail("在福建做个人备案")
    assert not names_a_detail("my order got rejected")


@pytest.mark.parametrize("text, view", [
    ("我们是港资企业，法人是香港人，网站负责人是内地员工。营业执照和员工身份证都没问题，核验单也盖好章了。"
     "法人那边的证件应该传哪一种？", "企业香港大陆，法人那边的证件应该传哪一种？"),
    ("My wife is the website owner on our personal filing. She tried the face check twice and it "
     "failed. Any advice before she has another go?", "individual: Any advice before she has another go?"),
    # The statements of the question's own sentence stay in full.
    ("我们是青海的公司，主站之前是在华为云备的。这次要在阿里云上线一个活动站。上传资料时一直提示失败，"
     "每张大概6M多，是不是因为太大了？", "青海企业，上传资料时一直提示失败，每张大概6M多，是不是因为太大了？"),
    # A detail named twice is named once.
    ("我是佛山的个人站长，手上有三个域名都要备案。看论坛说广东的核验单跟其他省不一样，个人还得手写一段承诺。"
     "我字丑，怕写错了又得重来。三个域名在核验单上要怎么处理？", "个人广东，三个域名在核验单上要怎么处理？"),
])
def test_the_question_view_of_a_long_message(text: str, view: str) -> None:
    assert question_view(text) == view


@pytest.mark.parametrize("text", [
    "核验单在哪下载？",
    "The licence is ready. Which ID does the owner upload?",  # one sentence of background
    "I'm in Anhui. The form is signed. Which documents? And what size?",  # two questions
    "",
])
def test_no_question_view(text: str) -> None:
    assert question_view(text) is None


@pytest.mark.parametrize("text, rest", [
    ("安徽个人备案，授权书能不能用APP传", "授权书能不能用APP传"),
    ("Tibet, personal filing, Chinese citizen. Which documents do I upload?", "Which documents do I upload?"),
    ("I'm filing in Fujian as an individual, walk me through the app upload please",
     "I'm filing in  as , walk me through the app upload please"),
    ("广东能用APP传吗", "能用APP传吗"),
])
def test_a_question_without_its_details(text: str, rest: str) -> None:
    assert without_details(text) == rest


@pytest.mark.parametrize("text", [
    "核验单在哪下载？",  # no details
    "我在广东",  # nothing but details
    "广东个人备案，核验单在哪下载？APP能传吗？",  # two questions
    "我们是港资企业，法人是香港人，网站负责人是内地员工。营业执照和员工身份证都没问题，核验单也盖好章了。"
    "法人那边的证件应该传哪一种？",  # a long message: its question view instead
    "",
])
def test_no_reading_without_details(text: str) -> None:
    assert without_details(text) is None


@pytest.mark.parametrize("text, same", [
    ("新疆也一样吗", True),
    ("那新疆呢", True),
    ("福建也可以吗", True),
    ("Same for Macao?", True),
    ("Is Hunan one of them?", True),
    ("湖南在里面吗", True),
    ("and is it the same in Xinjiang?", True),
    ("What about Hunan as a company?", True),
    ("我在广东，怎么签呢", False),  # a question of its own
    ("广东能用APP上传吗？", False),
    ("Can I use the app in Guangdong as well?", False),
    ("也一样吗", False),  # no detail: nothing new to ask it for
])
def test_asking_the_same_again_for_other_details(text: str, same: bool) -> None:
    assert asks_the_same_again(text) is same


def test_the_first_question_of_a_long_compound_message_read_with_the_details_only() -> None:
    text = ("个人博客备案，服务器买好了，域名也实名了。教程说要上传核验单，我已经在页面上点下载打印出来了。"
            "签名有啥要求，签全名就行吗？要不要按手印？我在江西。")
    assert first_question_view(text) == "个人，签名有啥要求，签全名就行吗？"
    assert first_question_view("核验单在哪下载？签完怎么传？") is None  # no background
    assert first_question_view("我在江西。核验单在哪下载？签完怎么传？") is None  # one sentence of it
    assert first_question_view(
        "我们是港资企业，法人是香港人。营业执照和员工身份证都没问题，核验单也盖好章了。法人那边的证件应该传哪一种？"
    ) is None  # one question: question_view


def test_asking_clauses_take_a_condition_before_and_the_rest_of_the_sentence_after() -> None:
    assert asking_clauses("要是服务器买香港的，是不是就不用传这些资料了？") == [
        "要是服务器买香港的，", "是不是就不用传这些资料了？"]
    assert asking_clauses("上海是不是不能用阿里云App核验，得下管局自己的App？") == [
        "上海是不是不能用阿里云App核验，", "得下管局自己的App？"]
    # A statement before the question is not asked, nor is another answer offered after it.
    assert asking_clauses("授权书盖好章了，传在哪一栏？") == ["传在哪一栏？"]
    assert asking_clauses("我是站在白墙前面拍，还是得等幕布寄到再拍？") == ["我是站在白墙前面拍，"]


@pytest.mark.parametrize("text, announces", [
    ("先说下情况：北京的公司，网站负责人就是法人本人。", True),
    ("补充一下：河南，企业备案，三个域名", True),
    ("Some context: we're a small company in Hubei.", True),
    ("北京的公司，网站负责人就是法人本人。", False),
    ("Give me the full context of the rules.", False),
])
def test_a_message_may_announce_that_it_describes_the_case(text: str, announces: bool) -> None:
    assert announces_context(text) is announces


@pytest.mark.parametrize("text, choice", [
    ("日本籍，住上海，个人备案证件交护照还是居留许可", True),
    ("Taiwan owner, passport or residence permit", True),
    ("补充一下：网站负责人是香港居民，备案地在上海。", False),
    ("I'm from Oregon, filing a personal site", False),  # "or" inside a word is no choice
])
def test_a_choice_between_two_asks_without_a_question_word(text: str, choice: bool) -> None:
    assert offers_choice(text) is choice


@pytest.mark.parametrize("text, asks", [
    ("honestly can I just talk to an actual person at this point", True),
    ("Can I talk to a human agent?", True),
    ("方便的话麻烦安排人工客服跟进一下，谢谢", True),
    ("能不能给我转个人工", True),
    # Reports, not requests.
    ("the agent said I need a letter", False),
    ("客服说要按手印", False),
    ("核验单在哪下载", False),
])
def test_a_request_for_a_person_is_recognised_in_so_many_words(text: str, asks: bool) -> None:
    assert asks_for_a_person(text) is asks
