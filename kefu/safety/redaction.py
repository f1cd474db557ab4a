"""Redaction of secrets in inbound customer messages.

`redact` runs on every inbound message before it is stored, so whatever it lets through ends up
in the database, the search index and on agent screens. It aims at the secrets that let someone
empty an account (seed phrases, private keys, API secrets, passwords, one-time codes, card
numbers) while leaving alone what customers paste all day (TxIDs, addresses, order ids, UIDs).

Nothing here logs, stores or returns the clear secret: findings carry offsets and a reason that
names the evidence, never the matched text. The rules against false positives are written up in
docs/subsystems/redaction.md; keep that file in step with the thresholds below.
"""

from __future__ import annotations

import enum
import functools
import hashlib
import itertools
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Final


class SecretKind(enum.StrEnum):
    SEED_PHRASE = "seed_phrase"
    PRIVATE_KEY = "private_key"
    WIF_KEY = "wif_key"
    EXTENDED_PRIVATE_KEY = "extended_private_key"
    API_SECRET = "api_secret"  # noqa: S105 (a kind name, not a secret)
    PASSWORD = "password"  # noqa: S105
    CARD_NUMBER = "card_number"
    OTP_CODE = "otp_code"


@dataclass(frozen=True, slots=True)
class RedactionContext:
    # True while the system itself is in a flow that asked the customer for a one-time code
    # (e.g. the bot verifying a withdrawal): the code is then expected and kept.
    otp_requested: bool = False
    skip_kinds: frozenset[SecretKind] = frozenset()


@dataclass(frozen=True, slots=True)
class Finding:
    """One redacted span, with offsets into the ORIGINAL text. Never holds the secret."""

    kind: SecretKind
    start: int
    end: int
    confidence: float
    reason: str


@dataclass(frozen=True, slots=True)
class RedactionResult:
    text: str
    findings: list[Finding] = field(default_factory=list)

    @property
    def redacted(self) -> bool:
        return bool(self.findings)

    @property
    def kinds(self) -> frozenset[SecretKind]:
        return frozenset(f.kind for f in self.findings)


def redaction_marker(kind: SecretKind) -> str:
    return f"[redacted: {kind.value.replace('_', ' ')}]"


_DEFAULT_CONTEXT: Final = RedactionContext()
_MARKER_RE: Final = re.compile(
    r"\[redacted: (?:" + "|".join(re.escape(k.value.replace("_", " ")) for k in SecretKind) + r")\]"
)
# Markers already in the text (a message redacted twice, a quoted reply) are blanked with NUL
# in the copy the detectors scan: NUL is neither a letter, a digit nor a space, so a marker
# can never be read as a secret, as a label ("password: [redacted…]") or as a context word,
# and every windowed rule below treats it as a wall. That is what keeps redact idempotent.
_WALL: Final = "\x00"


def redact(text: str, *, context: RedactionContext | None = None) -> RedactionResult:
    ctx = context or _DEFAULT_CONTEXT
    scan = _MARKER_RE.sub(lambda m: _WALL * len(m.group()), text) if "[redacted:" in text else text
    low = _lowered(scan)
    # Cheap gates: keys and hashes need a long alphanumeric run, cards and codes need digits.
    long_run = _LONG_RUN_RE.search(scan) is not None
    digits = _DIGITS_RE.search(scan) is not None

    # Stage A: detectors whose verdict does not depend on nearby words (or whose words are the
    # label itself). Stage B sees stage-A secrets blanked, so a redacted password cannot serve
    # as "txid" context for a private key next to it, and the two stages cannot overlap.
    stage_a = _seed_phrases_find(scan)
    stage_a.extend(_labelled_secrets_find(scan, low))
    if long_run:
        stage_a.extend(_base58_keys_find(scan))
    if ctx.skip_kinds:
        stage_a = [f for f in stage_a if f.kind not in ctx.skip_kinds]
    found = _spans_resolve(stage_a)
    if found:
        chars = list(scan)
        for f in found:
            chars[f.start : f.end] = _WALL * (f.end - f.start)
        scan = "".join(chars)
        low = _lowered(scan)
    stage_b = []
    if long_run:
        stage_b.extend(_hex_keys_find(scan, low))
        stage_b.extend(_base58_context_keys_find(scan, low))
    if digits:
        stage_b.extend(_card_numbers_find(scan, low))
        if not ctx.otp_requested:
            stage_b.extend(_otp_codes_find(scan, low))
    if ctx.skip_kinds:
        stage_b = [f for f in stage_b if f.kind not in ctx.skip_kinds]
    found.extend(_spans_resolve(stage_b))
    found.sort(key=lambda f: f.start)
    if not found:
        return RedactionResult(text=text, findings=[])
    out: list[str] = []
    pos = 0
    for f in found:
        out.append(text[pos : f.start])
        out.append(redaction_marker(f.kind))
        pos = f.end
    out.append(text[pos:])
    return RedactionResult(text="".join(out), findings=found)


_LONG_RUN_RE: Final = re.compile(r"[0-9A-Za-z]{50}")
_DIGITS_RE: Final = re.compile(r"\d{3}")
_DIGIT_RE: Final = re.compile(r"\d")


def _lowered(scan: str) -> str:
    """Lower-case copy with the same length, so offsets found in it are offsets in `scan`."""
    low = scan.lower()
    if len(low) == len(scan):
        return low
    return "".join(c if len(c.lower()) != 1 else c.lower() for c in scan)


def _spans_resolve(candidates: list[Finding]) -> list[Finding]:
    """Keep the most confident (then longest) candidates so that no two findings overlap."""
    kept: list[Finding] = []
    for cand in sorted(candidates, key=lambda f: (-f.confidence, f.start - f.end, f.start)):
        if all(cand.end <= k.start or cand.start >= k.end for k in kept):
            kept.append(cand)
    return kept


# ---------------------------------------------------------------------------------------------
# Seed phrases (BIP-39, every word list the `mnemonic` package ships)
# ---------------------------------------------------------------------------------------------

_CJK: Final = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002a6df"
# A token is one CJK ideograph (the Chinese lists are single characters and Chinese is often
# written without spaces) or a run of other letters. Combining marks are part of the run so
# that NFD input ("a\u0301baco", decomposed kana and Hangul) stays one token.
_TOKEN_RE: Final = re.compile(rf"[{_CJK}]|(?:[^\W\d_{_CJK}]|[\u0300-\u036f\u3099-\u309c])+")
_PHRASE_LENGTHS: Final = (12, 15, 18, 21, 24)
_WINDOW: Final = 12
# Window rule for word lists: among 12 consecutive tokens, at least 11 are list words (exact or
# one edit away), and at least 10 exactly. Ordinary prose never gets there: even English
# support text, where many words are BIP-39 words, has a function word ("I", "to", "the",
# "my", "is", "a") that is not in the list every three or four words.
_MIN_HITS: Final = 11
_MIN_EXACT: Final = 10
# Two tokens are in the same run only if what separates them is short (numbering, commas,
# line breaks, "12." …). A longer gap, or a marker, breaks the run.
_MAX_GAP: Final = 24
# Typos are recognised only for alphabetic lists with words of 4+ letters; in Korean, Japanese
# and Chinese one edit is half a word or a whole one.
_NEAR_LANGUAGES: Final = frozenset(
    {"english", "spanish", "french", "italian", "portuguese", "czech", "russian", "turkish"}
)
_CJK_LANGUAGES: Final = frozenset({"chinese_simplified", "chinese_traditional"})


@dataclass(frozen=True, slots=True)
class _Lexicon:
    languages: tuple[str, ...]
    masks: dict[str, int]  # token key -> bit set of languages whose list holds it
    positions: tuple[dict[str, int], ...]  # per language: token key -> index in the list


def _word_key(token: str) -> str:
    if token.isascii():
        return token.lower()
    if len(token) == 1 and "\u4e00" <= token <= "\u9fff":
        return token  # unified ideographs are their own NFKC form
    return _word_key_unicode(token)


@functools.lru_cache(maxsize=65536)
def _word_key_unicode(token: str) -> str:
    # NFKC folds NFD input, full-width forms and compatibility ideographs. Latin and Cyrillic
    # words also lose their accents, because customers type "abaco" for "ábaco" and
    # "nasıl" as "nasil"; no two words of one list collide after this (checked in the tests).
    key = unicodedata.normalize("NFKC", token).casefold()
    if any("\u00c0" <= ch < "\u0530" for ch in key):
        stripped = unicodedata.normalize("NFD", key)
        key = unicodedata.normalize(
            "NFC", "".join(ch for ch in stripped if unicodedata.category(ch) != "Mn")
        )
    return key.replace("ı", "i")


@functools.cache
def _lexicon() -> _Lexicon:
    from mnemonic import Mnemonic

    languages = tuple(sorted(Mnemonic.list_languages()))
    masks: dict[str, int] = {}
    positions: list[dict[str, int]] = []
    for bit, language in enumerate(languages):
        index: dict[str, int] = {}
        for i, word in enumerate(Mnemonic(language).wordlist):
            key = _word_key(word)
            index[key] = i
            masks[key] = masks.get(key, 0) | (1 << bit)
        positions.append(index)
    return _Lexicon(languages=languages, masks=masks, positions=tuple(positions))


def seed_word_key(token: str) -> str:
    """The normalised form under which a token is looked up in the word lists."""
    return _word_key(token)


def _positions(language: str) -> dict[str, int]:
    lex = _lexicon()
    return lex.positions[lex.languages.index(language)]


def seed_wordlist_keys(language: str) -> dict[str, int]:
    """Normalised word -> index for one BIP-39 list (for tests and tools)."""
    return dict(_positions(language))


def bip39_checksum_ok(indices: Sequence[int]) -> bool:
    n = len(indices)
    if n not in _PHRASE_LENGTHS:
        return False
    total = 0
    for i in indices:
        total = (total << 11) | i
    cs_bits = n * 11 // 33
    entropy = (total >> cs_bits).to_bytes((n * 11 - cs_bits) // 8, "big")
    return hashlib.sha256(entropy).digest()[0] >> (8 - cs_bits) == total & ((1 << cs_bits) - 1)


def _seed_phrases_find(scan: str) -> list[Finding]:
    words = _TOKEN_RE.findall(scan)
    if len(words) < _MIN_HITS:
        return []
    lex = _lexicon()
    get = lex.masks.get
    keys = [_word_key(w) for w in words]
    masks = [get(k, 0) for k in keys]
    # Fast exits for ordinary messages: fewer than 10 list words in the whole text, or in
    # every window of 12 tokens (any list).
    if len(masks) - masks.count(0) < _MIN_EXACT or not _dense_window(masks):
        return []
    counts = [0] * len(lex.languages)
    for m, n in Counter(masks).items():
        while m:
            lowest = m & -m
            counts[lowest.bit_length() - 1] += n
            m ^= lowest
    dense: list[tuple[int, str, list[int]]] = []
    for bit, language in enumerate(lex.languages):
        if counts[bit] < _MIN_EXACT:
            continue
        exact = [(m >> bit) & 1 for m in masks]
        if _dense_window(exact):
            dense.append((bit, language, exact))
    # Chinese prose is dense in both Chinese lists; before any per-token work, ask whether a
    # window could pass either Chinese rule at all (the raw score is an upper bound).
    if all(language in _CJK_LANGUAGES for _, language, _ in dense) and not (
        _SPACED_CJK_RE.search(scan) or _zh_raw_window_max(keys) >= _ZH_ACCEPT_WITH_CHECKSUM
    ):
        return []
    spans = [m.span() for m in _TOKEN_RE.finditer(scan)]
    gaps = [""] + [scan[spans[i - 1][1] : spans[i][0]] for i in range(1, len(spans))]
    walls = [False] + [len(g) > _MAX_GAP or _WALL in g for g in gaps[1:]]
    findings: list[Finding] = []
    for _, language, exact in dense:
        near = [0] * len(words)
        for a, b in _segments(walls):
            if b - a < _MIN_HITS or sum(exact[a:b]) < _MIN_EXACT:
                continue
            if language in _CJK_LANGUAGES:
                runs = _cjk_runs_flag(exact, keys, gaps, a, b, language)
            else:
                runs = _word_runs_flag(exact, near, keys, a, b, language)
            for lo, hi in runs:
                findings.append(
                    _seed_finding(lex, language, keys, exact, near, spans, gaps, lo, hi)
                )
    return findings


_SPACED_CJK_RE: Final = re.compile(
    rf"(?:[{_CJK}](?:[^\w{_WALL}]|\d){{1,{_MAX_GAP}}}){{10}}[{_CJK}]"
)


def _zh_raw_window_max(keys: list[str]) -> float:
    llr = _zh_llr_by_key()
    values = [llr.get(k, -_ZH_MISS_PENALTY) for k in keys]
    width = min(_WINDOW, len(values))
    total = best = sum(values[:width])
    for i in range(width, len(values)):
        total += values[i] - values[i - width]
        best = max(best, total)
    return best


def _dense_window(hits: list[int]) -> bool:
    """Whether some window of 12 tokens (or all, if fewer) holds at least 10 non-zero."""
    width = min(_WINDOW, len(hits))
    count = sum(1 for h in hits[:width] if h)
    if count >= _MIN_EXACT:
        return True
    for i in range(width, len(hits)):
        count += (1 if hits[i] else 0) - (1 if hits[i - width] else 0)
        if count >= _MIN_EXACT:
            return True
    return False


def _segments(walls: list[bool]) -> Iterator[tuple[int, int]]:
    start = 0
    for i in range(1, len(walls)):
        if walls[i]:
            yield start, i
            start = i
    yield start, len(walls)


def _windows_union(flagged: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for lo, hi in sorted(flagged):
        if merged and lo <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(hi, merged[-1][1]))
        else:
            merged.append((lo, hi))
    return merged


def _word_runs_flag(
    exact: list[int], near: list[int], keys: list[str], a: int, b: int, language: str
) -> list[tuple[int, int]]:
    width = min(_WINDOW, b - a)
    checked = set()
    flagged = []
    for i in range(a, b - width + 1):
        if sum(exact[i : i + width]) < _MIN_EXACT:
            continue
        if language in _NEAR_LANGUAGES:
            for j in range(i, i + width):
                if not exact[j] and j not in checked:
                    checked.add(j)
                    near[j] = 1 if _near_word(keys[j], language) else 0
        # Repeats count once, but for one: prose repeats itself ("ignore space … ignore all
        # space"), while a phrase of 12 words drawn from 2048 repeats a word in 3% of cases
        # and two words in 0.05%.
        n_exact = _distinct_plus_one([keys[j] for j in range(i, i + width) if exact[j]])
        hits = _distinct_plus_one([keys[j] for j in range(i, i + width) if exact[j] or near[j]])
        if n_exact >= _MIN_EXACT and hits >= _MIN_HITS:
            flagged.append((i, i + width))
        elif width == _WINDOW and all(exact[i : i + width]):
            # Low-entropy phrases repeat words ("abandon abandon … about"); the checksum
            # tells them from prose that repeats itself.
            index = _positions(language)
            for n in _PHRASE_LENGTHS:
                if (
                    i + n <= b
                    and all(exact[i : i + n])
                    and bip39_checksum_ok([index[k] for k in keys[i : i + n]])
                ):
                    flagged.append((i, i + n))
    return _runs_trim(_windows_union(flagged), exact, near)


def _distinct_plus_one(words: list[str]) -> int:
    distinct = len(set(words))
    return distinct + (1 if distinct < len(words) else 0)


def _runs_trim(
    runs: list[tuple[int, int]], exact: list[int], near: list[int]
) -> list[tuple[int, int]]:
    # A flagged window may start or end on a prose word ("my words: …"); the redaction starts
    # and ends on list words only.
    out = []
    for lo, hi in runs:
        while lo < hi and not (exact[lo] or near[lo]):
            lo += 1
        while hi > lo and not (exact[hi - 1] or near[hi - 1]):
            hi -= 1
        if hi > lo:
            out.append((lo, hi))
    return out


# Chinese without spaces: the two Chinese lists are the 2048 most frequent characters, which
# cover ~98% of ordinary Chinese text, so "12 list characters in a row" is what every Chinese
# sentence looks like. What differs is the distribution: a seed phrase draws characters
# uniformly from the list, prose uses the top of it (的 是 在 我 …) and common two-character
# words. The score is the log-likelihood ratio of "uniform draw" against a Zipf model of
# prose, minus a penalty for each common word; the BIP-39 checksum lowers the bar.
# A uniform draw repeats a character in 3% of 12-character phrases; prose repeats often.
# Transliterated names (波士尼亞, 哈萨克斯坦) use rarer characters and would look random, so
# a window full of transliteration characters is penalised too. Thresholds are calibrated on
# ~1.8 M characters of Chinese UI text (Debian's message catalogues): no window of it passes
# the first bar, about one in 10^4 passes the second and then needs a 1-in-16 checksum.
_ZH_ZIPF_OFFSET: Final = 20
_ZH_ACCEPT: Final = 4.0  # score over 12 characters that flags on its own
_ZH_ACCEPT_WITH_CHECKSUM: Final = -1.0  # score that flags when the checksum is valid
_ZH_MISS_PENALTY: Final = 2.5
_ZH_BIGRAM_PENALTY: Final = 4.0
_ZH_REPEAT_PENALTY: Final = 3.0
_ZH_TRANSLITERATION_PENALTY: Final = 1.5
_ZH_TRANSLITERATION: Final = frozenset(
    "斯尔爾克特德拉布罗羅夫亚亞伊阿巴卡诺諾维維奥奧波格里贝貝兰蘭马馬姆萨薩基蒂利尼塞哥纳納埃"
    "西乌烏曼莫科森托伦倫普洛艾佛赫兹茲茨汉漢坦廷达達杰傑芬丹瓦沃希索默"
)


@functools.cache
def _zh_llr_table() -> tuple[float, ...]:
    norm = sum(1.0 / (r + _ZH_ZIPF_OFFSET) for r in range(2048))
    base = -math.log(2048) + math.log(norm)
    return tuple(base + math.log(r + _ZH_ZIPF_OFFSET) for r in range(2048))


@functools.cache
def _zh_llr_by_key() -> dict[str, float]:
    table = _zh_llr_table()
    out: dict[str, float] = {}
    for language in _CJK_LANGUAGES:
        for key, i in _positions(language).items():
            out[key] = max(out.get(key, -math.inf), table[i])
    return out


# Common words of support conversations and general prose (simplified; the traditional forms
# are derived through the word lists, which share one order). Text, not a list literal: a
# word list of several hundred entries reads and diffs better this way.
_ZH_COMMON_WORDS: Final = """
我们 你们 他们 她们 它们 咱们 大家 自己 这个 那个 这些 那些 这里 那里 哪里 这样 那样 怎样 怎么
什么 为什么 为何 如何 多少 多久 几天 几个 一个 一下 一些 一直 一样 一起 一次 一般 一定 一切
可以 可能 可是 不是 不能 不会 不要 不用 不过 不了 不知 没有 没法 还是 还有 还没 还在 就是 就会
但是 因为 所以 如果 虽然 而且 或者 然后 之后 之前 以后 以前 以上 以下 之间 其中 其他 其它 只是
只有 只能 已经 正在 现在 目前 最近 今天 明天 昨天 时候 时间 小时 分钟 马上 立即 尽快 及时
知道 觉得 认为 希望 需要 应该 能够 必须 表示 发现 出现 开始 结束 完成 进行 继续 重新 尝试
请问 谢谢 感谢 您好 你好 麻烦 抱歉 对不起 帮助 帮忙 处理 解决 回复 联系 客服 人工 客户
服务 问题 情况 原因 结果 说明 方法 方式 办法 步骤 流程 规则 政策 要求 条件 内容 信息 资料
账户 账号 帐号 帐户 用户 会员 登录 登陆 注册 密码 验证 认证 身份 实名 审核 手机 电话 号码
邮箱 邮件 短信 通知 消息 地址 钱包 充值 提现 提币 转账 到账 入账 交易 订单 资金 余额 资产
冻结 解冻 锁定 解锁 成功 失败 错误 异常 正常 网络 系统 平台 官方 网站 页面 链接 操作 设置
修改 绑定 解绑 安全 风险 数量 金额 手续 费用 币种 比特 以太 合约 现货 杠杆 期货 买入 卖出
价格 市场 行情 挂单 撤单 成交 委托 记录 历史 查询 查看 确认 提交 申请 等待 下载 更新 版本
电脑 浏览 文件 图片 截图 上传 工作 公司 银行 支付 付款 收款 退款 返还 补偿 损失 投诉 建议
反馈 满意 理解 耐心 稍等 了解 告诉 发送 提供 填写 输入 选择 点击 打开 关闭 开启 使用 无法
中国 国家 世界 生活 学习 发展 经济 社会 政府 人民 重要 主要 同时 进入 通过 根据 关于 对于
由于 如此 相同 不同 所有 全部 每个 很多 非常 十分 特别 比较 有人 别人 朋友 家人 孩子
东西 事情 地方 方面 部分 收到 显示 看到 发生 给我 给你 帮我 回来 出来 进来 过来 起来 下来
上去 下去 回去 出去 明白 清楚 简单 容易 困难 方便 快速 慢慢 最后 首先 然而 于是 另外 此外
总之 例如 比如 包括 以及 并且 同样 即使 无论 不管 只要 除了 按照 为了 美元 人民币 充币 提款
存款 取款 汇款 利息 收益 奖励 活动 优惠 推荐 邀请 返佣 代理 硬件 软件 程序 应用 功能 支持
设备 屏幕 键盘 鼠标 窗口 菜单 按钮 图标 字符 字符串 字母 数字 符号 格式 编码 数据 数据库
服务器 客户端 文本 文字 翻译 语言 注释 选项 参数 变量 函数 模式 模块 组件 对象 类型 列表
目录 路径 名称 文件夹 磁盘 内存 缓冲 缓存 备份 恢复 导入 导出 复制 粘贴 删除 移除 添加 新建
创建 编辑 搜索 查找 替换 隐藏 启用 禁用 默认 配置 安装 卸载 运行 执行 命令 终端 进程 线程
任务 事件 日志 调试 测试 检查 扫描 索引 排序 过滤 匹配 模板 样式 主题 背景 颜色 大小 宽度
高度 位置 区域 范围 边缘 顶部 底部 左侧 右侧 中间 当前 最大 最小 总计 合计 平均 比例 百分
权限 用户名 管理 管理员 组织 成员 分组 共享 访问 拒绝 允许 无效 有效 未知 已知 可用 不可
连接 断开 传输 发送 接收 请求 响应 协议 端口 主机 域名 证书 签名 加密 解密 密钥 公钥 私钥
插件 扩展 工具 工具栏 状态 状态栏 标签 标题 描述 详细 简介 帮助 文档 手册 说明书 教程 示例
打印 预览 页面 页码 行号 字体 图像 视频 音频 声音 音量 播放 暂停 停止 录制 相机 照片 相册
键盘 布局 输入法 中文 英文 日文 韩文 汉字 拼音 繁体 简体 国际 地区 时区 日期 星期 年份 月份
今年 去年 明年 每天 每周 每月 每年 周末 上午 下午 晚上 早上 中午 凌晨 刚才 刚刚 已 将要 即将
通常 经常 总是 从不 有时 偶尔 可能性 确定 肯定 一定 大概 也许 或许 似乎 好像 看起来 听说
提示 警告 注意 小心 危险 保护 防止 避免 阻止 限制 控制 监控 报告 统计 分析 计算 估计 预计
提高 降低 增加 减少 改变 变化 变更 调整 优化 改进 升级 降级 迁移 同步 异步 自动 手动 人工
开发 设计 实现 部署 发布 维护 支持 兼容 依赖 关系 相关 关联 属于 包含 含有 组成 构成 形成
储存 存储 保存 读取 写入 加载 载入 刷新 重启 启动 关机 退出 返回 前进 后退 上一 下一 跳过
区块 区块链 挖矿 矿工 节点 网络费 矿工费 燃料 主网 测试网 链上 跨链 公链 代币 稳定币 泰达
合约地址 智能 钱包地址 助记词 私钥 冷钱包 热钱包 交易所 币安 火币 欧易 平台币 质押 理财 借贷
法币 场外 承兑 商家 买家 卖家 放行 申诉 仲裁 纠纷 证据 凭证 流水 截屏 录屏 视频 核实 核对
工单 客服人员 专员 经理 主管 团队 部门 总部 分部 办公 上班 下班 休息 假期 节日 周年 庆祝
谢谢您 感谢您 辛苦 不好意思 没关系 不客气 请稍候 稍后 尽快 处理中 已处理 未处理 待处理
檔案 訊息 支援 軟體 硬體 程式 資訊 預設 伺服器 連結 螢幕 視窗 字串 列印 影像 滑鼠 游標 記憶體
登入 帳戶 存取 資料 匯入 匯出 標籤 選單 按鈕 套件 元件 物件 函式 變數 參數 執行 建立 刪除
新增 移除 編輯 搜尋 顯示 隱藏 啟用 停用 位址 目錄 路徑 權限 憑證 簽章 金鑰 網路 設定 使用者
快取 暫存 偵測 防火牆 印表機 錯誤 檔名 紀錄 標準 輸出 輸入 欄位 名稱 項目 儲存 資料庫 客戶端
應用程式 介面 功能表 工具列 狀態列 捷徑 剪貼簿 貼上 複製 重新整理 登出 帳號 密碼 驗證 認證
綁定 解綁 提領 儲值 出金 入金 手續費 幣種 區塊鏈 錢包 交易所 客服 請問 謝謝 麻煩 處理 問題
為什麼 怎麼 什麼 時候 現在 訂單 餘額 資產 凍結 審核 身分 實名 手機 電話 郵件 簡訊 通知 系統
平台 網站 頁面 操作 修改 數量 金額 費用 價格 市場 記錄 歷史 查詢 確認 提交 申請 等待 下載
更新 版本 電腦 瀏覽器 圖片 截圖 上傳 畫面 點選 變更 文件 語言 鍵盤 字母 語系 格式 翻譯
""".split()  # noqa: SIM905


@functools.cache
def _zh_common_bigrams() -> frozenset[str]:
    simplified = _positions("chinese_simplified")
    traditional = {i: k for k, i in _positions("chinese_traditional").items()}
    out = set()
    for word in _ZH_COMMON_WORDS:
        for a, b in itertools.pairwise(word):
            out.add(a + b)
            if a in simplified and b in simplified:
                out.add(traditional[simplified[a]] + traditional[simplified[b]])
    return frozenset(out)


def _cjk_runs_flag(
    exact: list[int], keys: list[str], gaps: list[str], a: int, b: int, language: str
) -> list[tuple[int, int]]:
    index = _positions(language)
    llr = _zh_llr_table()
    # Prefix sums over the segment, so each window costs O(1) until it is a real candidate:
    # list hits, non-empty gaps, gaps with punctuation, and the raw score without penalties
    # (penalties only lower it, so a raw score under the bar rules a window out).
    hits, spaced, punct, raw = [0], [0], [0], [0.0]
    for j in range(a, b):
        hits.append(hits[-1] + exact[j])
        gap = gaps[j] if j > a else ""
        spaced.append(spaced[-1] + (1 if gap else 0))
        punct.append(punct[-1] + (1 if gap and not gap.isspace() else 0))
        raw.append(raw[-1] + (llr[index[keys[j]]] if exact[j] else -_ZH_MISS_PENALTY))
    flagged = []
    width = min(_WINDOW, b - a)
    for i in range(b - a - width + 1):
        if hits[i + width] - hits[i] < _MIN_HITS:
            continue
        if spaced[i + width] - spaced[i + 1] >= width - 2:
            # "的 一 是 …", "1.的 2.一 …": one character per item, which no prose does.
            flagged.append((a + i, a + i + width))
            continue
        if punct[i + width] - punct[i + 1]:
            continue  # punctuation inside: a sentence boundary, not an unspaced phrase
        if raw[i + width] - raw[i] < _ZH_ACCEPT_WITH_CHECKSUM:
            continue
        lo = a + i
        score = _zh_score(exact, keys, gaps, lo, lo + width, index)
        if score >= _ZH_ACCEPT:
            flagged.append((lo, lo + width))
        elif score >= _ZH_ACCEPT_WITH_CHECKSUM:
            for n in _PHRASE_LENGTHS:
                if i + n > b - a or hits[i + n] - hits[i] < n or punct[i + n] - punct[i + 1]:
                    continue
                if _zh_score(exact, keys, gaps, lo, lo + n, index) * _WINDOW / n >= (
                    _ZH_ACCEPT_WITH_CHECKSUM
                ) and bip39_checksum_ok([index[k] for k in keys[lo : lo + n]]):
                    flagged.append((lo, lo + n))
    return _runs_trim(_windows_union(flagged), exact, [0] * len(exact))


def _zh_score(
    exact: list[int], keys: list[str], gaps: list[str], lo: int, hi: int, index: dict[str, int]
) -> float:
    llr = _zh_llr_table()
    bigrams = _zh_common_bigrams()
    seen: set[str] = set()
    score = 0.0
    transliteration = 0
    for j in range(lo, hi):
        key = keys[j]
        if not exact[j]:
            score -= _ZH_MISS_PENALTY
            continue
        score += llr[index[key]]
        if key in seen:
            score -= _ZH_REPEAT_PENALTY
        seen.add(key)
        if key in _ZH_TRANSLITERATION:
            transliteration += 1
        if j > lo and exact[j - 1] and not gaps[j] and keys[j - 1] + key in bigrams:
            score -= _ZH_BIGRAM_PENALTY
    return score - _ZH_TRANSLITERATION_PENALTY * max(0, transliteration - 2)


def _seed_finding(
    lex: _Lexicon,
    language: str,
    keys: list[str],
    exact: list[int],
    near: list[int],
    spans: list[tuple[int, int]],
    gaps: list[str],
    lo: int,
    hi: int,
) -> Finding:
    n_exact = sum(exact[lo:hi])
    n_near = sum(near[lo:hi])
    n_tokens = hi - lo
    index = _positions(language)
    core = _checksum_core(keys, exact, index, lo, hi)
    if core:
        # The run may carry a word or two of prose on its edges ("… please help"); they stay
        # redacted, because trimming to the checksum core could leak the edge of a phrase.
        confidence, note = 0.99, f", {core} of them a valid checksummed phrase"
    elif n_exact == n_tokens and n_tokens in _PHRASE_LENGTHS:
        confidence, note = 0.93, ", checksum invalid"
    else:
        confidence, note = 0.85, ""
    if n_near:
        note += f", {n_near} misspelled"
    if n_exact < n_tokens - n_near:
        note += f", {n_tokens - n_exact - n_near} unknown"
    spaced = "" if language not in _CJK_LANGUAGES or any(gaps[lo + 1 : hi]) else ", unspaced"
    reason = f"{n_exact + n_near} words of the {language} BIP-39 list{spaced}{note}"
    return Finding(
        kind=SecretKind.SEED_PHRASE,
        start=spans[lo][0],
        end=spans[hi - 1][1],
        confidence=confidence,
        reason=reason,
    )


def _checksum_core(
    keys: list[str], exact: list[int], index: dict[str, int], lo: int, hi: int
) -> int:
    """Length of the longest all-exact window in [lo, hi) with a valid BIP-39 checksum, or 0."""
    for n in reversed(_PHRASE_LENGTHS):
        for s in range(lo, hi - n + 1):
            if all(exact[s : s + n]) and bip39_checksum_ok([index[k] for k in keys[s : s + n]]):
                return n
    return 0


@functools.cache
def _near_index(language: str) -> tuple[frozenset[str], dict[str, tuple[str, ...]]]:
    # Deletion neighbourhood (SymSpell's idea): two words are one edit apart only if they
    # share a one-deletion form, so a typo is found with len(token) dictionary look-ups.
    words = frozenset(k for k in seed_wordlist_keys(language) if len(k) >= 4)
    deletes: dict[str, list[str]] = {}
    for w in words:
        for i in range(len(w)):
            deletes.setdefault(w[:i] + w[i + 1 :], []).append(w)
    return words, {d: tuple(ws) for d, ws in deletes.items()}


def _near_word(key: str, language: str) -> bool:
    if len(key) < 4 or not key.isalpha():
        return False
    words, deletes = _near_index(language)
    if key in deletes:
        return True  # one letter missing
    for i in range(len(key)):
        d = key[:i] + key[i + 1 :]
        if d in words:
            return True  # one letter too many
        for w in deletes.get(d, ()):
            if _one_edit_apart(key, w):
                return True  # one letter wrong, or two swapped
    return False


def _one_edit_apart(a: str, b: str) -> bool:
    if a == b:
        return True
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) > len(b):
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    if len(a) < len(b):
        return a[i:] == b[i + 1 :]
    if a[i + 1 :] == b[i + 1 :]:
        return True
    return i + 1 < len(a) and a[i] == b[i + 1] and a[i + 1] == b[i] and a[i + 2 :] == b[i + 2 :]


# ---------------------------------------------------------------------------------------------
# Base58: WIF and extended private keys, 64-byte (Solana-style) keypairs
# ---------------------------------------------------------------------------------------------

_B58_ALPHABET: Final = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_B58_INDEX: Final = {c: i for i, c in enumerate(_B58_ALPHABET)}
_B58: Final = "1-9A-HJ-NP-Za-km-z"


def base58_decode(text: str) -> bytes | None:
    n = 0
    for ch in text:
        v = _B58_INDEX.get(ch)
        if v is None:
            return None
        n = n * 58 + v
    pad = len(text) - len(text.lstrip("1"))
    return b"\x00" * pad + (n.to_bytes((n.bit_length() + 7) // 8, "big") if n else b"")


def base58_encode(data: bytes) -> str:
    n = int.from_bytes(data, "big")
    out = []
    while n:
        n, r = divmod(n, 58)
        out.append(_B58_ALPHABET[r])
    pad = len(data) - len(data.lstrip(b"\x00"))
    return "1" * pad + "".join(reversed(out))


def _double_sha256(data: bytes) -> bytes:
    return hashlib.sha256(hashlib.sha256(data).digest()).digest()


def base58check_decode(text: str) -> bytes | None:
    raw = base58_decode(text)
    if raw is None or len(raw) < 5 or _double_sha256(raw[:-4])[:4] != raw[-4:]:
        return None
    return raw[:-4]


def base58check_encode(payload: bytes) -> str:
    return base58_encode(payload + _double_sha256(payload)[:4])


_WIF_RE: Final = re.compile(rf"(?<![0-9A-Za-z])[5KLc9][{_B58}]{{50,51}}(?![0-9A-Za-z])")
_XPRV_RE: Final = re.compile(
    rf"(?<![0-9A-Za-z])[xyztuvXYZTUV]prv[{_B58}]{{100,115}}(?![0-9A-Za-z])"
)
_B58_64_RE: Final = re.compile(rf"(?<![0-9A-Za-z])[{_B58}]{{85,90}}(?![0-9A-Za-z])")


def _wif_payload_ok(payload: bytes | None) -> bool:
    # Version 0x80 (mainnet) or 0xef (testnet), a 32-byte key, and 0x01 when compressed.
    if payload is None or payload[0] not in (0x80, 0xEF):
        return False
    return len(payload) == 33 or (len(payload) == 34 and payload[-1] == 0x01)


def _base58_keys_find(scan: str) -> list[Finding]:
    out = []
    for m in _WIF_RE.finditer(scan):
        if _wif_payload_ok(base58check_decode(m.group())):
            out.append(
                Finding(SecretKind.WIF_KEY, m.start(), m.end(), 0.99, "WIF key, checksum valid")
            )
    for m in _XPRV_RE.finditer(scan):
        payload = base58check_decode(m.group())
        # The prefix alone is a strong signal (xpub is the public one); a broken checksum is
        # usually a typo in a real key, which is still close enough to brute-force.
        ok = payload is not None and len(payload) == 78
        out.append(
            Finding(
                SecretKind.EXTENDED_PRIVATE_KEY,
                m.start(),
                m.end(),
                0.99 if ok else 0.9,
                f"{m.group()[:4]} extended private key, checksum {'valid' if ok else 'invalid'}",
            )
        )
    return out


def _base58_context_keys_find(scan: str, low: str) -> list[Finding]:
    out = []
    for m in _WIF_RE.finditer(scan):
        # Shape of a WIF key but a broken checksum: a typo'd key when the customer calls it one.
        if (
            not _wif_payload_ok(base58check_decode(m.group()))
            and _context_kind(low, m.start(), m.end()) == "key"
        ):
            out.append(
                Finding(
                    SecretKind.WIF_KEY,
                    m.start(),
                    m.end(),
                    0.7,
                    "WIF-shaped key, checksum invalid, private-key wording nearby",
                )
            )
    for m in _B58_64_RE.finditer(scan):
        raw = base58_decode(m.group())
        if raw is None or len(raw) != 64:
            continue
        # 64 bytes in base58 is either an ed25519 keypair (Phantom/Solana "private key"
        # export) or a transaction signature. A keypair carries its own public key, so the
        # derivation decides; wording only matters when it does not verify.
        kind = _context_kind(low, m.start(), m.end())
        if ed25519_public_key(raw[:32]) == raw[32:]:
            out.append(
                Finding(
                    SecretKind.PRIVATE_KEY, m.start(), m.end(), 0.99, "ed25519 keypair (base58)"
                )
            )
        elif kind == "key":
            out.append(
                Finding(
                    SecretKind.PRIVATE_KEY,
                    m.start(),
                    m.end(),
                    0.7,
                    "64-byte base58 value, private-key wording nearby",
                )
            )
    return out


# Ed25519 public-key derivation (RFC 8032, section 5.1.5), only to tell a base58 keypair from a
# transaction signature. Plain integer arithmetic: slow (~2 ms) but only reached for 64-byte
# base58 strings, and not a signing implementation.
_ED_P: Final = 2**255 - 19
_ED_D: Final = -121665 * pow(121666, -1, _ED_P) % _ED_P


def _ed_point_add(
    p: tuple[int, int, int, int], q: tuple[int, int, int, int]
) -> tuple[int, int, int, int]:
    x1, y1, z1, t1 = p
    x2, y2, z2, t2 = q
    a = (y1 - x1) * (y2 - x2) % _ED_P
    b = (y1 + x1) * (y2 + x2) % _ED_P
    c = 2 * t1 * t2 * _ED_D % _ED_P
    d = 2 * z1 * z2 % _ED_P
    e, f, g, h = b - a, d - c, d + c, b + a
    return e * f % _ED_P, g * h % _ED_P, f * g % _ED_P, e * h % _ED_P


@functools.cache
def _ed_base_point() -> tuple[int, int, int, int]:
    y = 4 * pow(5, -1, _ED_P) % _ED_P
    x2 = (y * y - 1) * pow(_ED_D * y * y + 1, -1, _ED_P) % _ED_P
    x = pow(x2, (_ED_P + 3) // 8, _ED_P)
    if (x * x - x2) % _ED_P:
        x = x * pow(2, (_ED_P - 1) // 4, _ED_P) % _ED_P
    if x & 1:
        x = _ED_P - x
    return x, y, 1, x * y % _ED_P


def ed25519_public_key(seed: bytes) -> bytes:
    h = hashlib.sha512(seed).digest()
    a = int.from_bytes(h[:32], "little")
    a = (a & ((1 << 254) - 8)) | (1 << 254)
    result = (0, 1, 1, 0)
    addend = _ed_base_point()
    while a:
        if a & 1:
            result = _ed_point_add(result, addend)
        addend = _ed_point_add(addend, addend)
        a >>= 1
    x, y, z, _ = result
    zinv = pow(z, -1, _ED_P)
    x, y = x * zinv % _ED_P, y * zinv % _ED_P
    return (y | ((x & 1) << 255)).to_bytes(32, "little")


# ---------------------------------------------------------------------------------------------
# 64-hex private keys versus TxIDs
# ---------------------------------------------------------------------------------------------

_HEX64_RE: Final = re.compile(r"(?<![0-9A-Za-z])(?:0[xX])?[0-9a-fA-F]{64}(?![0-9A-Za-z])")
# Words that make a nearby 64-hex value something other than a key: a transaction or block
# hash, a file digest, a public key.
_BENIGN_WORDS: Final = (
    r"\btx\b|\btxn\b|\btx[\s_-]*(?:id|hash)|\btxid|\btxs\b|\bhash(?:es)?\b|\bhash[\s_-]*id"
    r"|transaction|transfer\s+id|deposit\s+id|withdrawal\s+id|\bblock\b|explorer|etherscan"
    r"|bscscan|tronscan|polygonscan|arbiscan|solscan|blockchair|mempool|blockstream"
    r"|\bsha-?256\b|checksum|digest|public\s*key|pubkey|\bnpub|signature|\bsig\b"
    r"|交易|哈希|转账|轉帳|转帐|区块|區塊|浏览器|瀏覽器|公钥|公鑰"
    r"|トランザクション|取引|ハッシュ|公開鍵|트랜잭션|거래|해시|공개\s*키"
    r"|транзакц|хэш|хеш|перевод|işlem|transacci|transacç|transaç|transazion|transaktion"
    r"|überweisung|hachage|virement|clave\s+pública|clé\s+publique|chave\s+pública"
)
# Words that make it a key. "secret" alone counts: "my secret is <hex>" is a key, never a TxID.
_KEY_WORDS: Final = (
    r"private[\s_-]*key|priv[\s_-]*key|\bprivkey|secret|\bnsec|\bkey\b|\bwif\b"
    r"|私钥|私鑰|密钥|密鑰|秘钥|秘密鍵|秘密キー|プライベートキー|개인\s*키|프라이빗\s*키"
    r"|приватн\w*\s+ключ|закрыт\w*\s+ключ|секретн\w*\s+ключ|ключ\b|özel\s+anahtar"
    r"|clave\s+privada|clé\s+privée|cle\s+privee|privat\w*\s+schlüssel|chave\s+privada"
    r"|chiave\s+privata"
)
_CONTEXT_RE: Final = re.compile(rf"(?P<benign>{_BENIGN_WORDS})|(?P<key>{_KEY_WORDS})")
_CONTEXT_BEFORE: Final = 120
_CONTEXT_AFTER: Final = 60
_URL_HINT_RE: Final = re.compile(r"(?:://|www\.|/tx/|/txs?/|/transaction/|[?&#](?:tx|hash)=)", re.I)


def _context_kind(low: str, start: int, end: int) -> str | None:
    """'benign', 'key' or None: the nearest context word within reach, walls excluded."""
    before = low[max(0, start - _CONTEXT_BEFORE) : start]
    before = before[before.rfind(_WALL) + 1 :]
    # Labels come before values; words after the value count on the same line only, and at
    # double distance ("<hash> is the txid" still works, the next line's label does not).
    after = low[end : end + _CONTEXT_AFTER]
    for stop in (_WALL, "\n"):
        cut = after.find(stop)
        if cut >= 0:
            after = after[:cut]
    best: tuple[int, str] | None = None
    for m in _CONTEXT_RE.finditer(before):
        kind = m.lastgroup or "benign"
        best = (len(before) - m.end(), kind)
    for m in _CONTEXT_RE.finditer(after):
        if best is None or 2 * m.start() < best[0]:
            best = (2 * m.start(), m.lastgroup or "benign")
        break
    return best[1] if best else None


def _in_url(scan: str, start: int) -> bool:
    head = scan[max(0, start - 200) : start]
    word_start = max(head.rfind(" "), head.rfind("\n"), head.rfind("\t")) + 1
    return bool(_URL_HINT_RE.search(head[word_start:]))


def _hex_keys_find(scan: str, low: str) -> list[Finding]:
    out = []
    previous_end, previous_benign = -1, False
    for m in _HEX64_RE.finditer(scan):
        start, end = m.span()
        # A list of hashes under one "TxIDs:" heading: the heading covers the whole list.
        chained = previous_benign and _is_list_separator(scan[previous_end:start])
        kind = "benign" if chained or _in_url(scan, start) else _context_kind(low, start, end)
        previous_end, previous_benign = end, kind == "benign"
        if kind == "benign":
            continue
        if kind == "key":
            confidence, reason = 0.97, "64 hex digits, private-key wording nearby"
        elif m.group()[:2].lower() == "0x":
            # Ethereum tx hashes are usually written 0x…, exported keys usually not; still a
            # key is the costlier miss, so it is redacted, with low confidence.
            confidence, reason = 0.6, "0x + 64 hex digits, no transaction wording nearby"
        else:
            confidence, reason = 0.8, "64 hex digits, no transaction wording nearby"
        out.append(Finding(SecretKind.PRIVATE_KEY, start, end, confidence, reason))
    return out


_LIST_SEPARATOR_RE: Final = re.compile(r"[\s,;，；、|/\-–—*•·]*(?:\d{1,2}[.)]\s*)?[\s,;，；、]*")


def _is_list_separator(gap: str) -> bool:
    return len(gap) <= 24 and _LIST_SEPARATOR_RE.fullmatch(gap) is not None


# ---------------------------------------------------------------------------------------------
# Labelled secrets: API secrets and passwords stated in text
# ---------------------------------------------------------------------------------------------

# Substrings one of which every label below contains, looked for in the lower-cased text:
# ordinary messages skip the large case-insensitive patterns entirely.
_LABEL_ANCHORS: Final = (
    "pass",
    "pwd",
    "pw",
    "pin",
    "contrase",
    "clave",
    "senha",
    "mot de passe",
    "mot-de-passe",
    "mdp",
    "passwort",
    "kennwort",
    "парол",
    "şifre",
    "sifre",
    "parola",
    "secret",
    "secrète",
    "secreta",
    "segreta",
    "geheim",
    "секрет",
    "gizli",
    "密码",
    "密碼",
    "口令",
    "密钥",
    "密鑰",
    "秘钥",
    "パスワード",
    "暗証",
    "シークレット",
    "비밀",
    "비번",
    "패스워드",
    "암호",
    "시크릿",
)

_LABEL_ANCHOR_RE: Final = re.compile("|".join(map(re.escape, _LABEL_ANCHORS)))

_API_SECRET_RE: Final = re.compile(
    r"(?:api[\s_-]*(?:secret(?:[\s_-]*key)?|private[\s_-]*key|passphrase)|secret[\s_-]*key"
    r"|client[\s_-]*secret|app[\s_-]*secret|access[\s_-]*secret|shared[\s_-]*secret"
    r"|\bsecret\b|api\s*密钥|api\s*密鑰|密钥|密鑰|秘钥|api\s*シークレット|シークレットキー"
    r"|シークレット|api\s*시크릿|시크릿\s*키|비밀\s*키|секретный\s+ключ|api[\s-]*секрет"
    r"|gizli\s+anahtar|clave\s+secreta|clave\s+api\s+secreta|clé\s+secrète|cle\s+secrete"
    r"|geheimer?\s+schlüssel|api[\s-]*geheimnis|chave\s+secreta|chiave\s+segreta)"
    r"[\"'`]?\s*(?:[:=：]|=>|->|\bis\b|\bes\b|\best\b|\bist\b|\bé\b|\bè\b|是|为|為|は|는|은|—|-)?"
    r"\s*[\"'`]?(?P<v>[A-Za-z0-9+/=_\-]{16,256})",
    re.I,
)


def _looks_random(value: str) -> bool:
    has_digit = any(c.isdigit() for c in value)
    has_alpha = any(c.isalpha() for c in value)
    mixed_case = any(c.isupper() for c in value) and any(c.islower() for c in value)
    return has_alpha and len(set(value)) >= 8 and (has_digit or (mixed_case and len(value) >= 24))


@dataclass(frozen=True, slots=True)
class _PasswordLabel:
    pattern: re.Pattern[str]
    # strict: the label has no explicit connector ("мой пароль X", "şifrem X", "密码 X"), so
    # the value must look like a password (digit, symbol or mixed case), not like a word.
    strict_without_connector: bool
    ascii_value: bool  # CJK and Korean labels: the value is the ASCII run after the label


def _label(pattern: str, *, strict: bool = False, ascii_value: bool = False) -> _PasswordLabel:
    return _PasswordLabel(re.compile(pattern, re.I), strict, ascii_value)


_PASSWORD_LABELS: Final = (
    _label(
        r"\b(?:(?:my|the|our|new|old|current|account|login|log-in|funds?|funding|trading"
        r"|email|e-mail|wallet|exchange|app)\s+)*(?:pass\s?word|passwd|passcode|pwd|pin(?:\s+code)?)"
        r"(?:\s+(?:for|to|of|on)\s+(?:my\s+|the\s+)?[\w.@-]{1,40}(?:\s+account)?)?"
        r"\s*(?P<c>(?:\bis|\bwas)\b\s*[:=\-—]?|[:=：]|->|=>)\s*(?:now\s+|still\s+)?"
    ),
    _label(r"\b(?:pass|pw)\s*(?P<c>[:=：])\s*"),
    _label(r"\bpassphrase\s*(?P<c>(?:\bis\b)\s*[:=]?|[:=：])\s*"),
    _label(
        r"\b(?:mi\s+|la\s+|nueva\s+|su\s+)?(?:contraseña|contrasena|clave(?:\s+de\s+acceso)?)"
        r"\s*(?P<c>\b(?:es|era)\b\s*[:=]?|[:=：])\s*"
    ),
    _label(
        r"\b(?:mon\s+|le\s+|notre\s+|nouveau\s+)?(?:mot\s+de\s+passe|mot-de-passe|mdp)"
        r"\s*(?P<c>\b(?:est|était|c'est)\b\s*[:=]?|[:=：])\s*"
    ),
    _label(
        r"\b(?:mein\s+|das\s+|unser\s+|neues\s+)?(?:passwort|kennwort)"
        r"\s*(?P<c>\b(?:ist|lautet|war)\b\s*[:=]?|[:=：])\s*"
    ),
    _label(
        r"\b(?:minha\s+|a\s+|nova\s+)?(?:senha|palavra-passe)"
        r"\s*(?P<c>(?:\bé|\be'|\bera\b)\s*[:=]?|[:=：])\s*"
    ),
    _label(
        r"\b(?:la\s+)?(?:mia\s+)?(?:password|parola\s+d'ordine)"
        r"\s*(?P<c>(?:\bè|\be'|\bé|\bera\b)\s*[:=]?)\s*"
    ),
    # Russian and Turkish state a password without a verb ("мой пароль qwerty1", "şifrem
    # abc123"): without a possessive or a connector the label is just the word ("Kullanıcı
    # adı ya da parola SOCKSv5"), so one of the two is required.
    _label(
        r"(?:(?P<p>\b(?:мой|наш|новый|текущий)\s+))?\bпарол[ья]\b(?:\s+от\s+[\w.@-]{1,40})?"
        r"\s*(?P<c>[:=：—–]|\s-\s|\bэто\b)?\s*",
        strict=True,
    ),
    _label(
        r"\b(?:(?P<p>şifrem|şifremiz|parolam|sifrem)|şifre|parola|sifre)\b"
        r"\s*(?P<c>[:=：]|\bise\b)?\s*",
        strict=True,
    ),
    _label(
        r"(?:我的|我)?(?:登录|登陆|登入|资金|資金|交易|支付|账户|賬戶|账号|帳號|帐号|邮箱|郵箱"
        r"|钱包|錢包|新的?|原)?(?:密码|密碼|口令)(?P<c>\s*(?:是|为|為|：|:|=)\s*[:：]?)?\s*",
        strict=True,
        ascii_value=True,
    ),
    _label(
        r"(?:ログイン|取引|資金)?(?:パスワード|暗証番号)(?P<c>\s*(?:は|が|：|:|=)\s*[:：]?)?\s*",
        strict=True,
        ascii_value=True,
    ),
    _label(
        r"(?:로그인\s*|거래\s*|자금\s*)?(?:비밀번호|비번|패스워드|암호)"
        r"(?P<c>\s*(?:는|은|가|:|：|=)\s*[:：]?)?\s*",
        strict=True,
        ascii_value=True,
    ),
)

# Words that follow "my password is" in complaints, not in statements of the password. (Word
# lists here are text, not list literals: hundreds of entries read and diff better that way.)
_PASSWORD_STOPWORDS: Final = frozenset(
    """
    not wrong incorrect correct invalid valid expired locked blocked the a an my your same
    different changed reset being still now too very fine ok okay right strong weak long short
    secure saved stored lost forgotten forgot missing gone required needed case working
    accepted rejected unknown new old empty blank in on at for also definitely probably no never
    that this it what which known set there here safe compromised hacked leaked stolen asked
    requested denied sent encrypted hidden mandatory is was and or but because please same
    definitely actually really just incorrecta incorrecto correcta correcto inválida invalida
    errónea erronea equivocada muy la el una un demasiado nueva otra segura diferente misma mala
    buena bloqueada caducada vencida larga corta válida valida obligatoria requerida cambiada
    olvidada incorrect incorrecte faux fausse invalide bloqué bloquée expiré expirée pas trop
    correcte erroné erronée oublié le une toujours refusé refusée changé changée différent
    différente même bon bonne mauvais mauvaise très sûr perdu ne falsch nicht korrekt richtig
    abgelaufen gesperrt zu ungültig vergessen das der die ein eine immer noch geändert anders
    gleich sicher lang kurz gültig verloren kein keine leider errada errado incorreta incorreto
    não nao muito o um nova correta fraca forte mesma expirada longa curta esquecida perdida
    sbagliata sbagliato errata errato corretta corretto non scaduta troppo il nuova giusta giusto
    bloccata diversa stessa sicura lunga dimenticata persa не неверный неправильный правильный
    верный слишком был забыл сброшен сменил новый старый тот такой другой заблокирован
    yanlış hatalı doğru çalışmıyor unuttum değişti geçersiz inactive inactif inaktiv inactiva
    inativa inattiva неактивен password passwort contraseña senha mot пароль şifre parola
    heslo kennwort
    """.split()  # noqa: SIM905
)
_PLAIN_WORD_RE: Final = re.compile(r"[^\W\d_]+(?:[-'’][^\W\d_]+)*")
_VALUE_END_CHARS: Final = ".,;:。，；：、)]}>»\"'`”’」』）"
_QUOTES: Final = {
    '"': '"',
    "'": "'",
    "“": "”",
    "«": "»",
    "「": "」",
    "『": "』",
    "`": "`",
    "‘": "’",
}


def _password_value_span(
    scan: str,
    start: int,
    *,
    strict: bool,
    ascii_value: bool,
    latin_after_cyrillic: bool,
    lexical: bool,
) -> tuple[int, int] | None:
    if start >= len(scan):
        return None
    first = scan[start]
    if first in _QUOTES:
        close = scan.find(_QUOTES[first], start + 1, start + 130)
        if close > start + 1 and "\n" not in scan[start + 1 : close]:
            lo, hi = start + 1, close
            value = scan[lo:hi]
            return (lo, hi) if len(value) >= 4 and _WALL not in value else None
        start += 1
    end = start
    while end < len(scan) and not scan[end].isspace() and end - start < 128:
        end += 1
    if ascii_value:
        cut = start
        while cut < end and scan[cut].isascii() and scan[cut].isprintable():
            cut += 1
        end = cut
    else:
        # "abc123です" / "abc123입니다" / "abc123，谢谢": the value stops where the script turns.
        for i in range(start, end):
            if _is_cjk_or_hangul(scan[i]):
                end = i
                break
    while end > start and scan[end - 1] in _VALUE_END_CHARS:
        end -= 1
    value = scan[start:end]
    if len(value) < 4 or _WALL in value or set(value) <= set("*•●xX._-"):
        return None
    if value[0] in "([{<«“‘":
        return None  # "пароль (минимальная длина …)": an aside, not a value
    word = value.rstrip("!?¡¿").casefold()
    if word in _PASSWORD_STOPWORDS:
        return None
    if lexical and _PLAIN_WORD_RE.fullmatch(word):
        # "my password is entirely numeric", "la clave es sospechosa, usa …": after "is" a
        # lower-case word that the clause carries on from describes the password. A bare
        # word that ends the clause ("my password is dragon.") is taken as the password.
        rest = scan[end : end + 2]
        clause_ends = (
            rest == ""
            or rest[0] in "\n\r"
            or (rest[0] in ".!?。！？" and (rest[1:2] == "" or rest[1:2].isspace()))
        )
        if not clause_ends or word.endswith(("ly", "mente", "ment")):
            return None
    if strict and not (_looks_like_password(value) or (latin_after_cyrillic and value.isascii())):
        return None
    return start, end


def _is_cjk_or_hangul(ch: str) -> bool:
    o = ord(ch)
    return (
        0x3000 <= o <= 0x30FF
        or 0x3400 <= o <= 0x9FFF
        or 0xAC00 <= o <= 0xD7AF
        or 0xF900 <= o <= 0xFAFF
        or 0xFF00 <= o <= 0xFFEF
    )


def _looks_like_password(value: str) -> bool:
    return (
        any(c.isdigit() for c in value)
        or any(not c.isalnum() for c in value)
        or (any(c.isupper() for c in value[1:]) and any(c.islower() for c in value))
        or (value.isascii() and value.isalpha() and len(value) >= 6 and not value.islower())
    )


def _labelled_secrets_find(scan: str, low: str) -> list[Finding]:
    out: list[Finding] = []
    # The label patterns are large; they run only around an anchor ("pass" in "passport"
    # still costs a window, not the whole 2000-character message).
    for lo, hi in _anchor_windows(low, _LABEL_ANCHOR_RE, before=48, after=320):
        _labelled_in_window(scan, lo, hi, out)
    return out


def _anchor_windows(
    low: str, anchor_re: re.Pattern[str], *, before: int, after: int
) -> list[tuple[int, int]]:
    windows: list[tuple[int, int]] = []
    for m in anchor_re.finditer(low):
        lo, hi = max(0, m.start() - before), min(len(low), m.end() + after)
        if windows and lo <= windows[-1][1]:
            windows[-1] = (windows[-1][0], max(hi, windows[-1][1]))
        else:
            windows.append((lo, hi))
    return windows


def _labelled_in_window(scan: str, lo: int, hi: int, out: list[Finding]) -> None:
    for m in _API_SECRET_RE.finditer(scan, lo, hi):
        if _looks_random(m.group("v")):
            out.append(
                Finding(
                    SecretKind.API_SECRET,
                    m.start("v"),
                    m.end("v"),
                    0.9,
                    "long random token labelled as an API secret",
                )
            )
    for label in _PASSWORD_LABELS:
        for m in label.pattern.finditer(scan, lo, hi):
            groups = m.groupdict()
            connector = (groups.get("c") or "").strip()
            if "p" in groups and not groups["p"] and not connector:
                continue
            strict = label.strict_without_connector and not connector
            lexical = bool(connector) and not any(ch in connector for ch in ":=：>")
            if not connector and not label.ascii_value and not m.group()[-1:].isspace():
                continue  # "фразу-пароль!": the label runs into punctuation, not a value
            # "мой пароль qwerty": a Latin word after a Russian label is the password itself.
            cyrillic = any("\u0400" <= ch <= "\u04ff" for ch in m.group())
            span = _password_value_span(
                scan,
                m.end(),
                strict=strict,
                ascii_value=label.ascii_value,
                latin_after_cyrillic=cyrillic,
                lexical=lexical,
            )
            if span:
                out.append(
                    Finding(
                        SecretKind.PASSWORD,
                        span[0],
                        span[1],
                        0.85 if not strict else 0.75,
                        "value stated as a password",
                    )
                )


# ---------------------------------------------------------------------------------------------
# Card numbers
# ---------------------------------------------------------------------------------------------

_CARD_RE: Final = re.compile(r"(?<![0-9A-Za-z+.,/#])\d[\d -]{11,28}\d(?![0-9A-Za-z]|[.,]\d)")
_CARD_WORDS_RE: Final = re.compile(
    r"\bcard\b|\bvisa\b|master\s?card|\bamex\b|american\s+express|\bcredit\b|\bdebit\b|\bcvv"
    r"|\bcvc\b|\bexpir|\bunionpay|\bmaestro\b|\bdiscover\b|\bjcb\b|卡号|卡號|银行卡|銀行卡"
    r"|信用卡|借记卡|储蓄卡|金融卡|银联|カード|카드|карт[аыуео]|\bkart\b|kartı|kartım|kartim"
    r"|tarjeta|\bcarte\b|\bkarte\b|kreditkarte|cartão|cartao|\bcarta\b",
)
_NOT_CARD_WORDS_RE: Final = re.compile(
    r"\border\b|\bid\b|\buid\b|user\s*id|\bticket|\bref\b|reference|\bphone|\btel\b|mobile"
    r"|whatsapp|telegram|\btx|hash|invoice|\bmemo\b|\btag\b|\bcase\b|订单|單號|单号|用户|用戶"
    r"|手机|電話|电话|注文|주문|전화|заказ|телефон|sipariş|telefon|pedido|commande"
    r"|bestellung|ordine|número\s+de|numéro|nummer",
)


def _luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def card_network(digits: str) -> str | None:
    """The card network for a PAN by its IIN prefix and length, or None."""
    n = len(digits)
    if n < 13 or n > 19:
        return None
    p2, p3, p4, p6 = int(digits[:2]), int(digits[:3]), int(digits[:4]), int(digits[:6])
    if digits[0] == "4" and n in (13, 16, 19):
        return "Visa"
    if (51 <= p2 <= 55 or 2221 <= p4 <= 2720) and n == 16:
        return "Mastercard"
    if p2 in (34, 37) and n == 15:
        return "American Express"
    if (p4 == 6011 or 644 <= p3 <= 649 or p2 == 65) and 16 <= n <= 19:
        return "Discover"
    if 622126 <= p6 <= 622925 or (p2 == 62 and 16 <= n <= 19):
        return "UnionPay"
    if 3528 <= p4 <= 3589 and 16 <= n <= 19:
        return "JCB"
    if (300 <= p3 <= 305 or p2 in (36, 38, 39)) and 14 <= n <= 19:
        return "Diners Club"
    if 2200 <= p4 <= 2204 and 16 <= n <= 19:
        return "Mir"
    if p4 == 9792 and n == 16:
        return "Troy"
    if p2 in (50, 56, 57, 58, 63, 67) and 13 <= n <= 19:
        return "Maestro"
    if (p2 in (60, 81, 82) or p3 == 508) and n == 16:
        return "RuPay"
    return None


def _card_grouping(groups: list[str]) -> bool:
    sizes = [len(g) for g in groups]
    if len(sizes) == 1:
        return True
    if sizes in ([4, 6, 5], [4, 6, 4]):  # American Express, Diners Club
        return True
    return all(s == 4 for s in sizes[:-1]) and 1 <= sizes[-1] <= 4


def _card_numbers_find(scan: str, low: str) -> list[Finding]:
    out = []
    for m in _CARD_RE.finditer(scan):
        raw = m.group()
        groups = re.split(r"[ -]", raw)
        if "" in groups or not _card_grouping(groups):
            continue  # "1234  5678", "UID 1234567 89012345": two numbers, not one card
        digits = "".join(groups)
        network = card_network(digits)
        if network is None or not _luhn_ok(digits):
            continue
        before = low[max(0, m.start() - 60) : m.start()]
        before = before[before.rfind(_WALL) + 1 :]
        after = low[m.end() : m.end() + 30].split(_WALL, 1)[0]
        if _CARD_WORDS_RE.search(before) or _CARD_WORDS_RE.search(after):
            confidence, why = 0.95, "card wording nearby"
        elif _NOT_CARD_WORDS_RE.search(before[-40:]):
            continue  # "order 4539…", "UID 5234…": an id that happens to pass Luhn
        elif len(groups) > 1:
            confidence, why = 0.9, "grouped like a card"
        else:
            # Bare digits that pass Luhn with a card prefix: most likely a card, and a card
            # in the clear is the costlier mistake.
            confidence, why = 0.6, "no other wording"
        out.append(
            Finding(
                SecretKind.CARD_NUMBER,
                m.start(),
                m.end(),
                confidence,
                f"{len(digits)} digits, Luhn valid, {network} prefix, {why}",
            )
        )
    return out


# ---------------------------------------------------------------------------------------------
# One-time codes volunteered by the customer
# ---------------------------------------------------------------------------------------------

_OTP_WORDS_RE: Final = re.compile(
    r"\b(?:2fa|2-fa|mfa|otp|totp|g2fa)\b|\bga\s+code|two[\s-]*factor|2[\s-]*step|\b2sv\b"
    r"|one[\s-]*time\s+(?:code|password|pin|passcode)|verification\s+code|verify\s+code"
    r"|auth(?:entication|enticator)?\s+code|authenticator|google\s+auth\w*|sms\s+code"
    r"|e-?mail\s+code|security\s+code|confirmation\s+code|login\s+code|passcode"
    r"|验证码|驗證碼|校验码|校驗碼|动态码|動態碼|谷歌验证|谷歌驗證|二次验证|两步验证|兩步驗證"
    r"|認証コード|確認コード|ワンタイム|セキュリティコード|인증\s*번호|인증\s*코드|보안\s*코드|otp\s*코드"
    r"|код\w*\s+(?:подтвержден\w*|из\s+смс|из\s+sms|2fa|аутентиф\w*|google|безопасности)"
    r"|одноразов\w+\s+(?:код|пароль)|смс[\s-]*код|sms[\s-]*код"
    r"|doğrulama\s+kodu|onay\s+kodu|sms\s+kodu|2fa\s+kodu|güvenlik\s+kodu|tek\s+kullanımlık"
    r"|c[oó]digo\s+(?:de\s+)?(?:verificaci[oó]n|verifica[cç][aã]o|seguran[cç]a|seguridad|2fa"
    r"|sms|autenticaci[oó]n|autentica[cç][aã]o|otp|google|confirmaci[oó]n|confirma[cç][aã]o)"
    r"|code\s+(?:de\s+)?(?:v[ée]rification|s[ée]curit[ée]|2fa|sms|otp|google|confirmation)"
    r"|(?:best[äa]tigungs|verifizierungs|sicherheits|einmal|2fa-?|sms-?|authenticator-?)code"
    r"|codice\s+(?:di\s+)?(?:verifica|sicurezza|2fa|sms|otp|google|conferma)",
)
_OTP_DIGITS_RE: Final = re.compile(
    r"(?<![0-9A-Za-z.,])(?:\d{6}|\d{8}|\d{3}[ -]\d{3}|\d{4}[ -]\d{4})(?![0-9A-Za-z]|[.,]\d)"
)
_OTP_ANCHORS: Final = (
    "2fa",
    "mfa",
    "otp",
    "code",
    "factor",
    "step",
    "auth",
    "2sv",
    "验证",
    "驗證",
    "校验",
    "校驗",
    "动态",
    "動態",
    "コード",
    "ワンタイム",
    "인증",
    "보안",
    "код",
    "kodu",
    "kullanım",
    "código",
    "codigo",
    "codice",
    "смс",
)
_OTP_ANCHOR_RE: Final = re.compile("|".join(map(re.escape, _OTP_ANCHORS)))
_OTP_AFTER: Final = 40  # digits at most this far after the code word
_OTP_BEFORE: Final = 30  # or at most this far before it ("123456 is my 2FA code")
_OTP_WORD_MAX: Final = 48  # longer than any code wording above


def _otp_codes_find(scan: str, low: str) -> list[Finding]:
    if not _OTP_ANCHOR_RE.search(low):
        return []
    out = []
    for d in _OTP_DIGITS_RE.finditer(scan):
        # Code words are looked for only in reach of a candidate number.
        lo = max(0, d.start() - _OTP_AFTER - _OTP_WORD_MAX)
        hi = min(len(low), d.end() + _OTP_BEFORE + _OTP_WORD_MAX)
        for w_start, w_end in (m.span() for m in _OTP_WORDS_RE.finditer(low, lo, hi)):
            if w_end <= d.start() <= w_end + _OTP_AFTER:
                between = low[w_end : d.start()]
            elif d.end() <= w_start <= d.end() + _OTP_BEFORE:
                between = low[d.end() : w_start]
            else:
                continue
            # "SMS code for order 12345678" names another number; a wall means a secret sat
            # in between in an earlier pass.
            if _WALL in between or _NOT_CARD_WORDS_RE.search(between) or _DIGIT_RE.search(between):
                continue
            out.append(
                Finding(
                    SecretKind.OTP_CODE,
                    d.start(),
                    d.end(),
                    0.9,
                    f"{sum(c.isdigit() for c in d.group())}-digit number next to one-time-code wording",
                )
            )
            break
    return out


def finding_describe(finding: Finding) -> str:
    """One line for humans: kind, offsets, confidence, reason. Never the secret."""
    return (
        f"{finding.kind.value}\t{finding.start}-{finding.end}\t"
        f"{finding.confidence:.2f}\t{finding.reason}"
    )
