"""Every fixture in the corpus parses to what a person reading the raw mail would expect.

One row per .eml file (see fixtures/INDEX.md). `new` must appear in the visible text, `quoted`
must not (it is still in full_text). `malformed` rows must report errors; the others none.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from kefu.inboxes.adapters.email import ParsedEmail, email_parse

FIXTURES = Path(__file__).parent / "fixtures"


@dataclass(frozen=True)
class Expect:
    file: str
    subject: str
    sender: str
    new: tuple[str, ...]
    quoted: tuple[str, ...] = ()
    attachments: int = 0
    rejected: int = 0
    auto: bool = False
    malformed: bool = False


QUOTE = ("compliance team", "24 hours")
EXPECTATIONS = [
    # ---------------------------------------------------------------- charsets
    Expect(
        "charset_utf8_en_deposit.eml",
        "Deposit of 0.5 BTC not credited",
        "alice.walker@example.com",
        ("12 confirmations but my balance still shows 0",),
    ),
    Expect(
        "charset_gb2312_label_gbk_text.eml",
        "提现一直显示处理中",
        "wangzhe88@example.cn",
        ("申请提现 2000 USDT（TRC20）", "UID 是 88231045", "王喆"),
    ),
    Expect(
        "charset_gbk_qp.eml",
        "关于USDT充值未到账的问题",
        "likun@example.cn",
        ("通过 ERC20 网络充值了 1500 USDT", "李堃"),
    ),
    Expect(
        "charset_gb18030_four_byte.eml",
        "提现地址填错了 🙏",
        "yoshinoya@example.cn",
        ("能否撤回", "𠮷野家"),
    ),
    Expect(
        "charset_big5_tw.eml",
        "提領失敗，資金何時退回？",
        "chen.zm@example.tw",
        ("我在三天前提領了 0.3 ETH", "陳志明 敬上"),
    ),
    Expect(
        "charset_big5hkscs_hk.eml",
        "USDT 入咗數未見到",
        "kaho.wong@example.hk",
        ("我琴日轉咗 500 USDT 入嚟", "唔該幫我睇下"),
    ),
    Expect(
        "charset_iso2022jp.eml",
        "出金が反映されません",
        "taro.tanaka@example.jp",
        ("50,000円の出金を申請しました", "田中 太郎"),
    ),
    Expect(
        "charset_shift_jis_cp932.eml",
        "本人確認の審査状況について",
        "takahashi@example.co.jp",
        ("① 本人確認書類を提出しました", "㈱ブロックチェーン", "髙橋 一郎"),
    ),
    Expect(
        "charset_euc_kr.eml",
        "입금 반영 지연 문의",
        "minjun.kim@example.kr",
        ("원화 입금을 했는데 아직 잔고에 반영되지 않았습니다",),
    ),
    Expect(
        "charset_ks_c_5601_cp949.eml",
        "출금 주소 오입력",
        "ddom.lee@example.kr",
        ("'똠이'로 가입한 계정입니다",),
    ),
    Expect(
        "charset_koi8r.eml",
        "Не пришёл депозит USDT",
        "ivan.petrov@example.ru",
        ("средства так и не поступили на мой счёт",),
    ),
    Expect(
        "charset_cp1250_pl.eml",
        "Problem z logowaniem – kod 2FA",
        "pawel.kowalski@example.pl",
        ("nie mogę zalogować się do konta", "dwuskładnikowego"),
    ),
    Expect(
        "charset_cp1251_uk.eml",
        "Рахунок заблоковано",
        "olena.sh@example.ua",
        ("Чому мій рахунок заблоковано?",),
    ),
    Expect(
        "charset_cp1252_fr.eml",
        "Virement de 1 500 € non crédité",
        "oedipe.martin@example.fr",
        ("J’ai effectué un virement de 1 500 €", "Œdipe Martin"),
    ),
    Expect(
        "charset_cp1253_el.eml",
        "Απόρριψη ανάληψης",
        "nikos.p@example.gr",
        ("η ανάληψη μου σε ευρώ απορρίφθηκε",),
    ),
    Expect(
        "charset_cp1254_tr.eml",
        "Giriş yapamıyorum",
        "ayse.yilmaz@example.com.tr",
        ("hesabıma giriş yapamıyorum", "Ayşe Yılmaz"),
    ),
    Expect(
        "charset_cp1255_he.eml",
        "הפקדה לא הגיעה",
        "dana.levi@example.co.il",
        ("ההפקדה שלי בשקלים לא הגיעה לחשבון",),
    ),
    Expect(
        "charset_cp1256_ar.eml",
        "لم يصل السحب",
        "omar.haddad@example.ae",
        ("قمت بسحب 200 دولار",),
    ),
    Expect(
        "charset_cp1257_lt.eml",
        "Negaliu išsiimti eurų",
        "jonas.k@example.lt",
        ("negaliu išsiimti eurų į savo banko sąskaitą",),
    ),
    Expect(
        "charset_cp1258_vi.eml",
        "Số dư chưa cập nhật",
        "an.nguyen@example.vn",
        ("tôi đã nạp tiền nhưng số dư chưa được cập nhật",),
    ),
    Expect(
        "charset_iso8859_1_de.eml",
        "Auszahlung über 2.000 EUR ausstehend",
        "juergen.mueller@example.de",
        ("Können Sie den Status prüfen?", "Grüßen"),
    ),
    Expect(
        "charset_iso8859_2_cs.eml",
        "Změna e-mailové adresy",
        "jiri.novak@example.cz",
        ("potřebuji změnit e-mailovou adresu u svého účtu",),
    ),
    Expect(
        "charset_iso8859_9_tr.eml",
        "Para çekme işlemim iptal edildi",
        "mehmet.demir@example.com.tr",
        ("nedenini öğrenebilir miyim?",),
    ),
    Expect(
        "charset_iso8859_15_fi.eml",
        "Talletus 300 € ei näy",
        "matti.virtanen@example.fi",
        ("talletin 300 € mutta saldoni ei päivittynyt",),
    ),
    Expect(
        "charset_unknown_label_gbk.eml",
        "账户余额不对",
        "zhoulei@example.cn",
        ("我的账户余额比实际少了 300 USDT",),
        malformed=True,
    ),
    Expect(
        "charset_latin1_label_utf8_text.eml",
        "Saque em reais pendente",
        "joao.silva@example.com.br",
        ("não consigo sacar meus reais", "João"),
    ),
    Expect(
        "charset_utf8_label_latin1_text.eml",
        "Retiro de euros",
        "lucia.garcia@example.es",
        ("¿cómo puedo retirar mis euros", "España"),
        malformed=True,
    ),
    Expect(
        "charset_html_meta_big5.eml",
        "帳戶被鎖定",
        "lin.mei@example.tw",
        ("我的帳戶被鎖定了，無法登入。", "請協助解鎖"),
    ),
    # ---------------------------------------------------------------- headers
    Expect(
        "header_raw_8bit_utf8.eml",
        "Вывод средств задерживается",
        "sergey.smirnov@example.ru",
        ("Мой вывод 0.1 BTC висит уже двое суток",),
    ),
    Expect(
        "header_raw_8bit_gbk.eml",
        "账户被冻结了怎么办",
        "zhaomin@example.cn",
        ("我的账户今天突然被冻结了",),
        malformed=True,
    ),
    Expect(
        "header_encoded_words_split.eml",
        "关于提币手续费的疑问 (ERC20)",
        "sun.yue@example.cn",
        ("ERC20 提币手续费为什么这么高？",),
    ),
    Expect(
        "attachment_rfc2231_filename.eml",
        "KYC documents",
        "liu.yang@example.cn",
        ("Attached are my ID card and bank statement",),
        attachments=3,
    ),
    # ---------------------------------------------------------------- HTML
    Expect(
        "html_only_rich.eml",
        "How do I whitelist a withdrawal address?",
        "brian.oneil@example.ie",
        (
            "Hello team,",
            "Support Center (https://help.lumen.example/withdrawals)",
            "- Step one: open Security",
            "- The code never arrives",
            "€\u20095 & 0.0005 BTC",
            "Café owner — Brian",
        ),
        quoted=("alert(", "color: red", "Mail title", "steal()"),
    ),
    Expect(
        "html_only_gmail_reply.eml",
        "Re: [#2077] Withdrawal pending",
        "chloe.dubois@example.fr",
        ("Thanks, the withdrawal arrived this morning.",),
        quoted=("compliance team", "wrote:"),
    ),
    # ---------------------------------------------------------------- forwards
    Expect(
        "forward_attached_rfc822.eml",
        "Fwd: Urgent: verify your wallet within 24 hours",
        "dave.m@example.com",
        ("Is this email really from you?",),
        quoted=("seed phrase at https://",),
        attachments=1,
    ),
    Expect(
        "forward_inline_gmail.eml",
        "Fwd: Your withdrawal confirmation code",
        "priya.sharma@example.in",
        ("Please freeze my account!", "Your code is 448812"),
    ),
    # ---------------------------------------------------------------- replies
    Expect(
        "reply_gmail_en.eml",
        "Re: [#1042] Withdrawal pending",
        "alice.walker@example.com",
        ("It has been 48 hours now. Any update?",),
        quoted=(*QUOTE, "wrote:", "On Mon, 3 Jun 2024"),
    ),
    Expect(
        "reply_gmail_es.eml",
        "Re: [#1043] Retiro pendiente",
        "carlos.ruiz@example.es",
        ("sigo sin recibir los fondos",),
        quoted=(*QUOTE, "escribió"),
    ),
    Expect(
        "reply_gmail_zh_tw.eml",
        "Re: [#1044] 提領失敗",
        "chen.zm@example.tw",
        ("請問退款什麼時候會到帳？",),
        quoted=(*QUOTE, "寫道"),
    ),
    Expect(
        "reply_gmail_zh_cn.eml",
        "回复：[#1045] 提现一直显示处理中",
        "wangzhe88@example.cn",
        ("已经过去两天了，还是没有到账。",),
        quoted=(*QUOTE, "写道"),
    ),
    Expect(
        "reply_gmail_fr.eml",
        "Re: [#1046] Virement non crédité",
        "oedipe.martin@example.fr",
        ("Toujours rien sur mon compte ce matin.",),
        quoted=(*QUOTE, "a écrit"),
    ),
    Expect(
        "reply_gmail_de.eml",
        "AW: [#1047] Auszahlung ausstehend",
        "juergen.mueller@example.de",
        ("das Geld ist angekommen",),
        quoted=(*QUOTE, "schrieb"),
    ),
    Expect(
        "reply_gmail_it.eml",
        "R: [#1048] Prelievo in sospeso",
        "giulia.rossi@example.it",
        ("Il prelievo risulta ancora in sospeso.",),
        quoted=(*QUOTE, "ha scritto"),
    ),
    Expect(
        "reply_gmail_pt.eml",
        "Re: [#1049] Saque pendente",
        "joao.silva@example.com.br",
        ("O saque ainda não caiu na minha conta.",),
        quoted=(*QUOTE, "escreveu"),
    ),
    Expect(
        "reply_gmail_ru.eml",
        "Re: [#1050] Не пришёл депозит",
        "ivan.petrov@example.ru",
        ("Спасибо, депозит зачислен.",),
        quoted=(*QUOTE, "написал(а)"),
    ),
    Expect(
        "reply_gmail_ja.eml",
        "Re: [#1051] 出金が反映されません",
        "taro.tanaka@example.jp",
        ("本日、着金を確認しました。",),
        quoted=(*QUOTE, "Lumen サポート"),
    ),
    Expect(
        "reply_outlook_original_message.eml",
        "RE: [#1060] Card purchase failed",
        "tom.baker@example.co.uk",
        ("Still failing today with error code 51.", "Regards,\nTom"),
        quoted=("Original Message", "looking into the failed card purchase"),
    ),
    Expect(
        "reply_outlook_from_sent.eml",
        "RE: [#1061] Account verification",
        "sarah.connor@example.com",
        ("I uploaded the documents again.", "Compliance Officer"),
        quoted=("____", "Sent: Monday", "looking into the failed card purchase"),
    ),
    Expect(
        "reply_outlook_zh.eml",
        "答复: [#1062] 充值未到账",
        "likun@example.cn",
        ("好的，我已经补充了交易截图。",),
        quoted=("发件人", "请提供交易截图"),
    ),
    Expect(
        "reply_outlook_es.eml",
        "RE: [#1063] Verificación de identidad",
        "lucia.garcia@example.es",
        ("Adjunto de nuevo mi pasaporte.",),
        quoted=("Enviado:", "una foto más nítida"),
    ),
    Expect(
        "reply_apple_mail.eml",
        "Re: [#1064] Staking rewards missing",
        "ken.adams@icloud.example",
        ("Thanks, I see them now.",),
        quoted=("Sent from my iPhone", "paid out every Monday"),
    ),
    Expect(
        "reply_foxmail_en.eml",
        "Re: [#1065] API key permissions",
        "zhangwei@example.com",
        ("The withdraw permission is still greyed out.",),
        quoted=("Original", "IP whitelisting"),
    ),
    Expect(
        "reply_foxmail_zh.eml",
        "回复：[#1066] 实名认证失败",
        "zhoulei@example.cn",
        ("我重新上传了身份证照片，请再审核一下。",),
        quoted=("原始邮件", "您上传的照片不清晰"),
    ),
    Expect(
        "reply_qq_mail.eml",
        "回复：[#1067] 提现到银行卡",
        "123456789@qq.example",
        ("好的，收到，谢谢。",),
        quoted=("原始邮件", "您的提现已到账"),
    ),
    Expect(
        "signature_dashdash.eml",
        "Corporate account application",
        "alice.walker@example.com",
        ("What documents do you need?",),
        quoted=("Head of Operations", "+1 555 0100"),
    ),
    Expect(
        "signature_iphone_zh.eml",
        "忘记资金密码",
        "chenjing@example.cn",
        ("我忘记了资金密码，怎么重置？",),
        quoted=("发自我的iPhone",),
    ),
    Expect(
        "signature_iphone_es.eml",
        "Cambio de número de teléfono",
        "carlos.ruiz@example.es",
        ("no recibo los SMS de verificación",),
        quoted=("Enviado desde mi iPhone",),
    ),
    Expect(
        "signature_iphone_de.eml",
        "Re: [#1070] Limits",
        "juergen.mueller@example.de",
        ("Bitte erhöhen Sie mein Auszahlungslimit.",),
        quoted=("Von meinem iPhone gesendet", "10.000 EUR"),
    ),
    # ---------------------------------------------------------------- automatic mail
    Expect(
        "auto_outlook_automatic_reply.eml",
        "Automatic reply: [#1042] Withdrawal pending",
        "tom.baker@example.co.uk",
        ("out of the office until 10 June",),
        auto=True,
    ),
    Expect(
        "auto_gmail_vacation.eml",
        "Re: [#1042] Withdrawal pending",
        "alice.walker@example.com",
        ("travelling until Friday",),
        auto=True,
    ),
    Expect(
        "auto_subject_zh.eml",
        "自动回复: 您的工单 [#1080] 已收到",
        "ooo@example.org",
        ("感谢来信",),
        auto=True,
    ),
    Expect(
        "auto_subject_de.eml",
        "Automatische Antwort: Ihre Anfrage [#1081]",
        "ooo@example.org",
        ("Thank you",),
        auto=True,
    ),
    Expect(
        "auto_subject_fr.eml",
        "Réponse automatique : Votre demande [#1082]",
        "ooo@example.org",
        ("Thank you",),
        auto=True,
    ),
    Expect(
        "auto_subject_es.eml",
        "Respuesta automática: Su solicitud [#1083]",
        "ooo@example.org",
        ("Thank you",),
        auto=True,
    ),
    Expect(
        "auto_precedence_bulk.eml",
        "This week in crypto: 5 stories",
        "news@cryptodaily.example",
        ("Bitcoin crossed another milestone",),
        auto=True,
    ),
    Expect(
        "auto_x_autoreply.eml",
        "Re: Your ticket",
        "info@example.net",
        ("will respond within 2 business days",),
        auto=True,
    ),
    Expect(
        "auto_x_autorespond.eml",
        "Thanks for contacting us",
        "helpdesk@example.org",
        ("Your request has been logged.",),
        auto=True,
    ),
    Expect(
        "auto_return_path_empty.eml",
        "Reminder: compliance review at 10:00",
        "calendar-notification@example.com",
        ("This is a reminder",),
        auto=True,
    ),
    Expect(
        "bounce_dsn.eml",
        "Undelivered Mail Returned to Sender",
        "mailer-daemon@mx.lumen.example",
        ("550 5.1.1 User unknown",),
        attachments=1,
        auto=True,
    ),
    Expect(
        "bounce_postmaster_plain.eml",
        "Undeliverable: [#1091] Your ticket",
        "postmaster@example.org",
        ("Delivery has failed to these recipients",),
        auto=True,
    ),
    # ---------------------------------------------------------------- attachments
    Expect(
        "attachment_exe.eml",
        "Please install this to fix my account",
        "x9@example.biz",
        ("Run the attached tool",),
        rejected=1,
    ),
    Expect(
        "attachment_exe_as_pdf.eml",
        "Invoice 2024-0613",
        "billing@example.biz",
        ("Please find the invoice attached.",),
        rejected=1,
    ),
    Expect(
        "attachment_html_script.eml",
        "Transaction report",
        "reports@example.biz",
        ("Report attached.",),
        attachments=1,
        rejected=1,
    ),
    Expect(
        "attachment_zip_with_exe.eml",
        "Photos of my ID",
        "someone@example.biz",
        ("Photos zipped.",),
        rejected=1,
    ),
    Expect(
        "attachment_sniff_types.eml",
        "Screenshots and statements",
        "alice.walker@example.com",
        ("Everything you asked for is attached.",),
        attachments=10,
    ),
    Expect(
        "inline_image_cid.eml",
        "Error when placing an order",
        "ravi.kumar@example.in",
        ("Here is the error I get:", "[error screenshot]"),
        attachments=1,
    ),
    Expect(
        "winmail_dat.eml",
        "Bank statement",
        "tom.baker@example.co.uk",
        ("Statement attached.",),
        attachments=1,
    ),
    Expect(
        "calendar_invite.eml",
        "Invitation: Call about OTC trade @ Mon 10 Jun 2024 09:00 (UTC)",
        "mark.lee@example.com",
        ("You have been invited to: Call about OTC trade",),
        quoted=("BEGIN:VCALENDAR",),
        attachments=1,
    ),
    # ---------------------------------------------------------------- malformed
    Expect(
        "malformed_missing_boundary.eml",
        "Missing boundary",
        "broken@example.net",
        ("My deposit is missing, see the attached screenshot.",),
        quoted=("--XyZ123", "Content-Type"),
        attachments=1,
        malformed=True,
    ),
    Expect(
        "malformed_truncated_base64.eml",
        "Statement (upload interrupted)",
        "alice.walker@example.com",
        ("Here is my bank statement.",),
        attachments=1,
        malformed=True,
    ),
    Expect(
        "malformed_bad_charset_label.eml",
        "Charset label nonsense",
        "jane.roe@example.com",
        ("my name is Zoë and my withdrawal to IBAN DE89… failed",),
        malformed=True,
    ),
    Expect(
        "malformed_8bit_headers_latin1.eml",
        "Réclamation dépôt",
        "renee.lefevre@example.fr",
        ("Mon dépôt n'apparaît pas.",),
        malformed=True,
    ),
    Expect(
        "malformed_no_message_id.eml",
        "No message id here",
        "old.client@example.com",
        ("does not add a Message-ID",),
        malformed=True,
    ),
    Expect(
        "malformed_no_from.eml",
        "Who sent this?",
        "",
        ("This message has no sender.",),
        malformed=True,
    ),
    Expect(
        "malformed_nested_60.eml",
        "Nested 60 levels deep",
        "matryoshka@example.ru",
        (),
        malformed=True,
    ),
    Expect(
        "malformed_garbage_date.eml",
        "Date is garbage",
        "tt@example.com",
        ("When is now?",),
        malformed=True,
    ),
    Expect("malformed_not_an_email.eml", "", "", (), malformed=True),
    Expect("malformed_headers_only.eml", "Only headers", "headers.only@example.com", ()),
    Expect(
        "auth_results_spoofed.eml",
        "Action required: confirm your withdrawal",
        "support@lumen.example",
        ("Reply with your 2FA backup codes",),
    ),
    # ---------------------------------------------------------------- threading
    Expect(
        "thread_plus_token.eml",
        "my answer",
        "alice.walker@example.com",
        ("Here is the txid you asked for",),
    ),
    Expect(
        "thread_subject_number.eml",
        "Re: Fwd: [Lumen #1042] Withdrawal pending",
        "alice.walker@example.com",
        ("still pending",),
    ),
    Expect(
        "thread_references_chain.eml",
        "Re: Re: Re: [#1100] Margin call question",
        "alice.walker@example.com",
        ("liquidation price",),
    ),
]


def fixture_parse(name: str) -> ParsedEmail:
    return email_parse((FIXTURES / name).read_bytes())


@pytest.mark.parametrize("expect", EXPECTATIONS, ids=lambda e: e.file)
def test_fixture_parses_to_expected_fields(expect: Expect) -> None:
    parsed = fixture_parse(expect.file)
    assert parsed.subject == expect.subject
    assert parsed.from_address == expect.sender
    for fragment in expect.new:
        assert fragment in parsed.text, f"{fragment!r} missing from text {parsed.text!r}"
        assert fragment in parsed.full_text
    for fragment in expect.quoted:
        assert fragment not in parsed.text, f"{fragment!r} leaked into text {parsed.text!r}"
    assert len(parsed.attachments) == expect.attachments, parsed.attachments
    assert len(parsed.rejected_attachments) == expect.rejected, parsed.rejected_attachments
    assert parsed.auto_submitted is expect.auto, parsed.auto_reason
    assert bool(parsed.auto_reason) is expect.auto
    if expect.malformed:
        assert parsed.errors
    else:
        assert parsed.errors == ()
    assert not any(e.startswith("internal parser error") for e in parsed.errors)


@pytest.mark.parametrize("expect", EXPECTATIONS, ids=lambda e: e.file)
def test_quoted_text_is_kept_in_full_text(expect: Expect) -> None:
    parsed = fixture_parse(expect.file)
    # What `text` drops is still available to the agent through full_text.
    assert len(parsed.full_text) >= len(parsed.text)
    if expect.file.startswith("reply_"):
        assert len(parsed.full_text) > len(parsed.text)


def test_every_fixture_has_an_expectation_and_an_index_row() -> None:
    files = {p.name for p in FIXTURES.glob("*.eml")}
    assert files == {e.file for e in EXPECTATIONS}
    assert len(files) >= 45
    index = (FIXTURES / "INDEX.md").read_text()
    assert all(f"`{name}`" in index for name in files)


def test_corpus_covers_every_required_charset() -> None:
    labels = set()
    for path in FIXTURES.glob("*.eml"):
        head = path.read_bytes().lower()
        labels |= {
            label
            for label in (
                b"utf-8",
                b"gb2312",
                b"gbk",
                b"gb18030",
                b"big5",
                b"big5-hkscs",
                b"shift_jis",
                b"iso-2022-jp",
                b"euc-kr",
                b"ks_c_5601-1987",
                b"koi8-r",
                b"windows-1250",
                b"windows-1251",
                b"windows-1252",
                b"windows-1253",
                b"windows-1254",
                b"windows-1255",
                b"windows-1256",
                b"windows-1257",
                b"windows-1258",
                b"iso-8859-1",
                b"iso-8859-2",
                b"iso-8859-9",
                b"iso-8859-15",
            )
            if b"charset=" + label in head or b'charset="' + label in head
        }
    assert len(labels) == 24, sorted(labels)  # fmt: skip
