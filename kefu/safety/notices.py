"""What the customer is told, in their language, when they paste a secret."""

from __future__ import annotations

SECRET_SHARED: dict[str, str] = {
    "en": "⚠️ For your safety we removed what looked like a {kinds} from your message. Our support team will never ask for your password, seed phrase, private key or 2FA codes. If you have shared it anywhere else, move your funds to a new wallet now and change your password. Our security team has been alerted.",
    "zh-Hans": "⚠️ 为了您的安全，我们已从您的消息中删除了疑似{kinds}的内容。我们的工作人员绝不会索要您的密码、助记词、私钥或双重验证码。如果您曾在其他地方透露过，请立即将资金转移到新钱包并修改密码。安全团队已收到通知。",
    "zh-Hant": "⚠️ 為了您的安全，我們已從您的訊息中刪除疑似{kinds}的內容。我們的工作人員絕不會索取您的密碼、助記詞、私鑰或雙重驗證碼。如果您曾在其他地方透露過，請立即將資金轉移到新錢包並修改密碼。安全團隊已收到通知。",
    "es": "⚠️ Por tu seguridad eliminamos de tu mensaje lo que parecía {kinds}. Nuestro equipo nunca te pedirá tu contraseña, frase semilla, clave privada ni códigos 2FA. Si lo compartiste en otro lugar, mueve tus fondos a una billetera nueva ahora y cambia tu contraseña. Hemos avisado a nuestro equipo de seguridad.",
    "ja": "⚠️ 安全のため、メッセージから{kinds}と思われる内容を削除しました。当社スタッフがパスワード、シードフレーズ、秘密鍵、2FAコードを尋ねることは決してありません。他の場所で共有した場合は、すぐに資金を新しいウォレットへ移し、パスワードを変更してください。セキュリティチームに通知しました。",
    "ko": "⚠️ 고객님의 안전을 위해 메시지에서 {kinds}(으)로 보이는 내용을 삭제했습니다. 당사 직원은 비밀번호, 시드 문구, 개인 키, 2FA 코드를 절대 요구하지 않습니다. 다른 곳에 공유하셨다면 지금 바로 자금을 새 지갑으로 옮기고 비밀번호를 변경하세요. 보안팀에 알렸습니다.",
    "ru": "⚠️ Для вашей безопасности мы удалили из сообщения то, что похоже на {kinds}. Наши сотрудники никогда не попросят пароль, сид-фразу, приватный ключ или коды 2FA. Если вы где-то ими поделились, немедленно переведите средства на новый кошелёк и смените пароль. Служба безопасности уже уведомлена.",
    "tr": "⚠️ Güvenliğiniz için mesajınızdan {kinds} gibi görünen bilgiyi kaldırdık. Ekibimiz asla şifrenizi, kurtarma ifadenizi, özel anahtarınızı veya 2FA kodlarınızı istemez. Başka bir yerde paylaştıysanız fonlarınızı hemen yeni bir cüzdana taşıyın ve şifrenizi değiştirin. Güvenlik ekibimiz bilgilendirildi.",
    "fr": "⚠️ Pour votre sécurité, nous avons retiré de votre message ce qui ressemblait à {kinds}. Notre équipe ne vous demandera jamais votre mot de passe, votre phrase de récupération, votre clé privée ni vos codes 2FA. Si vous l'avez partagé ailleurs, transférez vos fonds vers un nouveau portefeuille et changez votre mot de passe dès maintenant. Notre équipe sécurité a été alertée.",
    "de": "⚠️ Zu Ihrer Sicherheit haben wir etwas aus Ihrer Nachricht entfernt, das wie {kinds} aussah. Unser Team fragt niemals nach Passwort, Seed-Phrase, privatem Schlüssel oder 2FA-Codes. Falls Sie es anderswo geteilt haben, verschieben Sie Ihr Guthaben jetzt in eine neue Wallet und ändern Sie Ihr Passwort. Unser Sicherheitsteam wurde benachrichtigt.",
    "pt": "⚠️ Para sua segurança, removemos da sua mensagem algo que parecia {kinds}. Nossa equipe nunca pedirá sua senha, frase de recuperação, chave privada ou códigos 2FA. Se você compartilhou isso em outro lugar, transfira seus fundos para uma nova carteira agora e troque sua senha. Nossa equipe de segurança foi avisada.",
    "it": "⚠️ Per la tua sicurezza abbiamo rimosso dal messaggio ciò che sembrava {kinds}. Il nostro team non ti chiederà mai password, seed phrase, chiave privata o codici 2FA. Se l'hai condiviso altrove, sposta subito i fondi su un nuovo wallet e cambia la password. Il team di sicurezza è stato avvisato.",
}

KIND_NAMES: dict[str, dict[str, str]] = {
    "en": {
        "seed_phrase": "a seed phrase",
        "private_key": "a private key",
        "wif_key": "a private key",
        "extended_private_key": "a private key",
        "api_secret": "an API secret",
        "password": "a password",
        "card_number": "a card number",
        "otp_code": "a 2FA code",
    },
    "zh-Hans": {
        "seed_phrase": "助记词",
        "private_key": "私钥",
        "wif_key": "私钥",
        "extended_private_key": "私钥",
        "api_secret": "API 密钥",
        "password": "密码",
        "card_number": "银行卡号",
        "otp_code": "验证码",
    },
    "zh-Hant": {
        "seed_phrase": "助記詞",
        "private_key": "私鑰",
        "wif_key": "私鑰",
        "extended_private_key": "私鑰",
        "api_secret": "API 密鑰",
        "password": "密碼",
        "card_number": "卡號",
        "otp_code": "驗證碼",
    },
    "es": {
        "seed_phrase": "una frase semilla",
        "private_key": "una clave privada",
        "wif_key": "una clave privada",
        "extended_private_key": "una clave privada",
        "api_secret": "un secreto de API",
        "password": "una contraseña",
        "card_number": "un número de tarjeta",
        "otp_code": "un código 2FA",
    },
    "ja": {
        "seed_phrase": "シードフレーズ",
        "private_key": "秘密鍵",
        "wif_key": "秘密鍵",
        "extended_private_key": "秘密鍵",
        "api_secret": "APIシークレット",
        "password": "パスワード",
        "card_number": "カード番号",
        "otp_code": "2FAコード",
    },
    "ko": {
        "seed_phrase": "시드 문구",
        "private_key": "개인 키",
        "wif_key": "개인 키",
        "extended_private_key": "개인 키",
        "api_secret": "API 시크릿",
        "password": "비밀번호",
        "card_number": "카드 번호",
        "otp_code": "2FA 코드",
    },
    "ru": {
        "seed_phrase": "сид-фразу",
        "private_key": "приватный ключ",
        "wif_key": "приватный ключ",
        "extended_private_key": "приватный ключ",
        "api_secret": "секрет API",
        "password": "пароль",
        "card_number": "номер карты",
        "otp_code": "код 2FA",
    },
    "tr": {
        "seed_phrase": "kurtarma ifadesi",
        "private_key": "özel anahtar",
        "wif_key": "özel anahtar",
        "extended_private_key": "özel anahtar",
        "api_secret": "API gizli anahtarı",
        "password": "şifre",
        "card_number": "kart numarası",
        "otp_code": "2FA kodu",
    },
    "fr": {
        "seed_phrase": "une phrase de récupération",
        "private_key": "une clé privée",
        "wif_key": "une clé privée",
        "extended_private_key": "une clé privée",
        "api_secret": "un secret d'API",
        "password": "un mot de passe",
        "card_number": "un numéro de carte",
        "otp_code": "un code 2FA",
    },
    "de": {
        "seed_phrase": "eine Seed-Phrase",
        "private_key": "ein privater Schlüssel",
        "wif_key": "ein privater Schlüssel",
        "extended_private_key": "ein privater Schlüssel",
        "api_secret": "ein API-Secret",
        "password": "ein Passwort",
        "card_number": "eine Kartennummer",
        "otp_code": "ein 2FA-Code",
    },
    "pt": {
        "seed_phrase": "uma frase de recuperação",
        "private_key": "uma chave privada",
        "wif_key": "uma chave privada",
        "extended_private_key": "uma chave privada",
        "api_secret": "um segredo de API",
        "password": "uma senha",
        "card_number": "um número de cartão",
        "otp_code": "um código 2FA",
    },
    "it": {
        "seed_phrase": "una seed phrase",
        "private_key": "una chiave privata",
        "wif_key": "una chiave privata",
        "extended_private_key": "una chiave privata",
        "api_secret": "un segreto API",
        "password": "una password",
        "card_number": "un numero di carta",
        "otp_code": "un codice 2FA",
    },
}


def secret_warning(*, language: str, kinds: list[str]) -> str:
    lang = _supported(language)
    names = KIND_NAMES[lang]
    listed = []
    for kind in kinds:
        name = names.get(kind, kind)
        if name not in listed:
            listed.append(name)
    joiner = "、" if lang.startswith(("zh", "ja")) else ", "
    return SECRET_SHARED[lang].format(kinds=joiner.join(listed))


def _supported(language: str) -> str:
    lang = (language or "en").strip()
    if lang in SECRET_SHARED:
        return lang
    low = lang.lower()
    if low.startswith("zh"):
        return "zh-Hant" if any(t in low for t in ("hant", "tw", "hk", "mo")) else "zh-Hans"
    base = low.split("-")[0].split("_")[0]
    return base if base in SECRET_SHARED else "en"


PHISHING_LINK: dict[str, str] = {
    "en": "⚠️ Careful: {hosts} is not an official {brand} website, and it looks made to imitate one. Do not log in or connect your wallet there. Official sites are listed at {verify_url}.",
    "zh-Hans": "⚠️ 请注意：{hosts} 不是 {brand} 的官方网站，看起来是仿冒网站。请勿在该网站登录或连接钱包。官方网站列表见 {verify_url}。",
    "zh-Hant": "⚠️ 請注意：{hosts} 不是 {brand} 的官方網站，看起來是仿冒網站。請勿在該網站登入或連接錢包。官方網站列表見 {verify_url}。",
    "es": "⚠️ Cuidado: {hosts} no es un sitio oficial de {brand} y parece hecho para imitarlo. No inicies sesión ni conectes tu billetera allí. Los sitios oficiales están en {verify_url}.",
    "ja": "⚠️ ご注意ください：{hosts} は {brand} の公式サイトではなく、公式サイトを装った偽サイトの可能性があります。ログインやウォレット接続はしないでください。公式サイトの一覧：{verify_url}",
    "ko": "⚠️ 주의: {hosts}은(는) {brand}의 공식 사이트가 아니며 공식 사이트를 흉내 낸 것으로 보입니다. 그곳에서 로그인하거나 지갑을 연결하지 마세요. 공식 사이트 목록: {verify_url}",
    "ru": "⚠️ Осторожно: {hosts} — не официальный сайт {brand}, он похож на подделку. Не входите в аккаунт и не подключайте там кошелёк. Официальные сайты перечислены на {verify_url}.",
    "tr": "⚠️ Dikkat: {hosts} resmi bir {brand} sitesi değil ve onu taklit ediyor gibi görünüyor. Orada giriş yapmayın veya cüzdanınızı bağlamayın. Resmi siteler: {verify_url}",
    "fr": "⚠️ Attention : {hosts} n'est pas un site officiel de {brand} et semble l'imiter. Ne vous y connectez pas et n'y reliez pas votre portefeuille. Les sites officiels sont listés sur {verify_url}.",
    "de": "⚠️ Vorsicht: {hosts} ist keine offizielle Website von {brand} und scheint eine nachzuahmen. Melden Sie sich dort nicht an und verbinden Sie keine Wallet. Offizielle Seiten finden Sie unter {verify_url}.",
    "pt": "⚠️ Cuidado: {hosts} não é um site oficial da {brand} e parece feito para imitá-lo. Não faça login nem conecte sua carteira lá. Os sites oficiais estão em {verify_url}.",
    "it": "⚠️ Attenzione: {hosts} non è un sito ufficiale di {brand} e sembra imitarlo. Non accedere e non collegare il tuo wallet lì. I siti ufficiali sono elencati su {verify_url}.",
}

ANTI_PHISHING_CODE: dict[str, str] = {
    "en": "Your anti-phishing code: {code}",
    "zh-Hans": "您的防钓鱼码：{code}",
    "zh-Hant": "您的防釣魚碼：{code}",
    "es": "Tu código antiphishing: {code}",
    "ja": "フィッシング対策コード：{code}",
    "ko": "피싱 방지 코드: {code}",
    "ru": "Ваш антифишинговый код: {code}",
    "tr": "Oltalama karşıtı kodunuz: {code}",
    "fr": "Votre code anti-hameçonnage : {code}",
    "de": "Ihr Anti-Phishing-Code: {code}",
    "pt": "Seu código antiphishing: {code}",
    "it": "Il tuo codice anti-phishing: {code}",
}


def phishing_warning(*, language: str, hosts: list[str], brand: str, verify_url: str) -> str:
    lang = _supported(language)
    joiner = "、" if lang.startswith(("zh", "ja")) else ", "
    return PHISHING_LINK[lang].format(
        hosts=joiner.join(dict.fromkeys(hosts)), brand=brand, verify_url=verify_url
    )


def anti_phishing_line(*, language: str, code: str) -> str:
    return ANTI_PHISHING_CODE[_supported(language)].format(code=code)


# Security tips, sent once a flow about the account or a withdrawal is done (kefu/bot) or a
# conversation about a locked or compromised account is resolved. Each tells the customer what
# to turn on and what we never ask for; none asks for anything (kefu/safety/tests checks every
# one through the outbound guard).
SECURITY_TIPS: dict[str, dict[str, str]] = {
    "account": {
        "en": "🔐 Security tip: turn on two-factor authentication with an authenticator app, and set an anti-phishing code in your security settings so you can tell our real emails from fakes. We will never ask for your password, 2FA codes or recovery phrase. To check a website, email or agent: {verify_url}",
        "zh-Hans": "🔐 安全提示：请使用身份验证器 App 开启双重验证，并在安全设置中设置防钓鱼码，以便识别我们的真实邮件。我们绝不会索要您的密码、二次验证码或助记词。核实网站、邮箱或客服身份：{verify_url}",
        "zh-Hant": "🔐 安全提示：請使用驗證器 App 開啟雙重驗證，並在安全設定中設定防釣魚碼，以便辨識我們的真實郵件。我們絕不會索取您的密碼、雙重驗證碼或助記詞。核實網站、郵箱或客服身分：{verify_url}",
        "es": "🔐 Consejo de seguridad: activa la verificación en dos pasos con una app de autenticación y configura un código antiphishing en tus ajustes de seguridad para distinguir nuestros correos reales de los falsos. Nunca te pediremos tu contraseña, códigos 2FA ni frase de recuperación. Para comprobar un sitio, correo o agente: {verify_url}",
        "ja": "🔐 セキュリティのヒント：認証アプリで二段階認証を有効にし、セキュリティ設定でフィッシング対策コードを設定すると、当社からの本物のメールを見分けられます。当社がパスワード、2FAコード、リカバリーフレーズを尋ねることは決してありません。サイト・メール・担当者の確認はこちら：{verify_url}",
        "ko": "🔐 보안 팁: 인증 앱으로 2단계 인증을 켜고, 보안 설정에서 피싱 방지 코드를 설정하면 진짜 이메일을 구별할 수 있습니다. 당사는 비밀번호, 2FA 코드, 복구 문구를 절대 요구하지 않습니다. 웹사이트, 이메일, 상담원 확인: {verify_url}",
        "ru": "🔐 Совет по безопасности: включите двухфакторную аутентификацию через приложение-аутентификатор и задайте антифишинговый код в настройках безопасности, чтобы отличать наши настоящие письма от поддельных. Мы никогда не попросим ваш пароль, коды 2FA или фразу восстановления. Проверить сайт, почту или сотрудника: {verify_url}",
        "tr": "🔐 Güvenlik ipucu: bir doğrulayıcı uygulamayla iki adımlı doğrulamayı açın ve güvenlik ayarlarından oltalama karşıtı kod belirleyin; böylece gerçek e-postalarımızı sahtelerinden ayırt edebilirsiniz. Şifrenizi, 2FA kodlarınızı veya kurtarma ifadenizi asla istemeyiz. Bir siteyi, e-postayı veya temsilciyi doğrulamak için: {verify_url}",
        "fr": "🔐 Conseil de sécurité : activez la double authentification avec une application d'authentification et définissez un code anti-hameçonnage dans vos paramètres de sécurité pour reconnaître nos vrais e-mails. Nous ne vous demanderons jamais votre mot de passe, vos codes 2FA ni votre phrase de récupération. Pour vérifier un site, un e-mail ou un agent : {verify_url}",
        "de": "🔐 Sicherheitstipp: Aktivieren Sie die Zwei-Faktor-Authentifizierung mit einer Authenticator-App und legen Sie in den Sicherheitseinstellungen einen Anti-Phishing-Code fest, damit Sie unsere echten E-Mails von Fälschungen unterscheiden können. Wir fragen niemals nach Ihrem Passwort, Ihren 2FA-Codes oder Ihrer Wiederherstellungsphrase. Website, E-Mail oder Mitarbeiter prüfen: {verify_url}",
        "pt": "🔐 Dica de segurança: ative a verificação em duas etapas com um app autenticador e defina um código antiphishing nas configurações de segurança para reconhecer nossos e-mails verdadeiros. Nunca pediremos sua senha, códigos 2FA ou frase de recuperação. Para verificar um site, e-mail ou atendente: {verify_url}",
        "it": "🔐 Consiglio di sicurezza: attiva l'autenticazione a due fattori con un'app di autenticazione e imposta un codice anti-phishing nelle impostazioni di sicurezza per riconoscere le nostre email autentiche. Non ti chiederemo mai password, codici 2FA o frase di recupero. Per verificare un sito, un'email o un operatore: {verify_url}",
    },
    "withdrawal": {
        "en": "🔐 Security tip: turn on withdrawal address whitelisting so funds can only go to addresses you approved, and keep 2FA on. We will never ask you to send funds to “verify” or “unlock” your account, nor for your password or 2FA codes. To check a website, email or agent: {verify_url}",
        "zh-Hans": "🔐 安全提示：建议开启提现地址白名单，让资金只能提到您确认过的地址，并保持双重验证开启。我们绝不会以“验证”或“解冻”账户为由要求您转账，也绝不会索要您的密码或二次验证码。核实网站、邮箱或客服身份：{verify_url}",
        "zh-Hant": "🔐 安全提示：建議開啟提領地址白名單，讓資金只能提領到您確認過的地址，並保持雙重驗證開啟。我們絕不會以「驗證」或「解凍」帳戶為由要求您轉帳，也絕不會索取您的密碼或雙重驗證碼。核實網站、郵箱或客服身分：{verify_url}",
        "es": "🔐 Consejo de seguridad: activa la lista blanca de direcciones de retiro para que tus fondos solo puedan ir a direcciones que aprobaste, y mantén activada la 2FA. Nunca te pediremos que envíes fondos para “verificar” o “desbloquear” tu cuenta, ni tu contraseña o códigos 2FA. Para comprobar un sitio, correo o agente: {verify_url}",
        "ja": "🔐 セキュリティのヒント：出金アドレスのホワイトリストを有効にすると、承認したアドレスにしか出金できなくなります。二段階認証も有効のままにしてください。当社が「認証」や「凍結解除」のために送金を求めたり、パスワードや2FAコードを尋ねたりすることは決してありません。サイト・メール・担当者の確認はこちら：{verify_url}",
        "ko": "🔐 보안 팁: 출금 주소 화이트리스트를 켜면 승인한 주소로만 자금을 보낼 수 있습니다. 2단계 인증도 계속 켜 두세요. 당사는 계정 '인증'이나 '잠금 해제'를 이유로 송금을 요구하거나 비밀번호, 2FA 코드를 요구하지 않습니다. 웹사이트, 이메일, 상담원 확인: {verify_url}",
        "ru": "🔐 Совет по безопасности: включите белый список адресов для вывода, чтобы средства уходили только на одобренные вами адреса, и не отключайте 2FA. Мы никогда не попросим перевести средства для «проверки» или «разблокировки» аккаунта, а также ваш пароль или коды 2FA. Проверить сайт, почту или сотрудника: {verify_url}",
        "tr": "🔐 Güvenlik ipucu: para çekme adresi beyaz listesini açın; böylece fonlarınız yalnızca onayladığınız adreslere gidebilir. 2FA'yı da açık tutun. Hesabınızı 'doğrulamak' veya 'kilidini açmak' için sizden asla para göndermenizi, şifrenizi ya da 2FA kodlarınızı istemeyiz. Bir siteyi, e-postayı veya temsilciyi doğrulamak için: {verify_url}",
        "fr": "🔐 Conseil de sécurité : activez la liste blanche d'adresses de retrait pour que vos fonds ne puissent partir que vers des adresses approuvées, et gardez la 2FA activée. Nous ne vous demanderons jamais d'envoyer des fonds pour « vérifier » ou « débloquer » votre compte, ni votre mot de passe ou vos codes 2FA. Pour vérifier un site, un e-mail ou un agent : {verify_url}",
        "de": "🔐 Sicherheitstipp: Aktivieren Sie die Whitelist für Auszahlungsadressen, damit Guthaben nur an von Ihnen freigegebene Adressen gehen kann, und lassen Sie 2FA eingeschaltet. Wir fordern Sie niemals auf, Geld zu senden, um Ihr Konto zu „verifizieren“ oder zu „entsperren“, und fragen nie nach Passwort oder 2FA-Codes. Website, E-Mail oder Mitarbeiter prüfen: {verify_url}",
        "pt": "🔐 Dica de segurança: ative a lista de endereços de saque permitidos para que seus fundos só possam ir para endereços aprovados por você, e mantenha a 2FA ativada. Nunca pediremos que você envie fundos para “verificar” ou “desbloquear” sua conta, nem sua senha ou códigos 2FA. Para verificar um site, e-mail ou atendente: {verify_url}",
        "it": "🔐 Consiglio di sicurezza: attiva la whitelist degli indirizzi di prelievo, così i fondi possono andare solo agli indirizzi che hai approvato, e tieni attiva la 2FA. Non ti chiederemo mai di inviare fondi per “verificare” o “sbloccare” il tuo account, né la password o i codici 2FA. Per verificare un sito, un'email o un operatore: {verify_url}",
    },
}


def security_tip(*, language: str, kind: str, verify_url: str) -> str:
    """A tip of `kind` ("account" or "withdrawal") in the customer's language (else English)."""
    return SECURITY_TIPS[kind][_supported(language)].format(verify_url=verify_url)
