"""Redaction throughput and latency on a realistic mix of inbound messages.

    .venv/bin/python bench/safety.py [--messages 20000] [--seed 1]

Single process, single core. The mix: ~90% ordinary support messages and ~10% carrying a
secret (seed phrase, key, password, card, code), in the supported languages, 20 to 2000
characters long (most around 100-200). Prints a table and writes bench/results/safety.json.
Only kefu.safety is imported: no Django settings needed.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from mnemonic import Mnemonic  # noqa: E402

from kefu.safety.guard import outbound_check  # noqa: E402
from kefu.safety.phishing import url_check  # noqa: E402
from kefu.safety.redaction import base58check_encode, redact  # noqa: E402

SENTENCES = {
    "en": [
        "Hi, I made a withdrawal two hours ago and it still shows pending.",
        "Can you check what happened to my deposit?",
        "The app keeps logging me out every few minutes.",
        "I uploaded my passport yesterday but KYC is still under review.",
        "My order 48213377 was cancelled without any reason.",
        "The network fee was much higher than what the page showed.",
        "I want to withdraw my bitcoin but the network is busy.",
        "Thanks for your help, have a nice day.",
        "Is there a limit on how much I can withdraw per day?",
        "I sent USDT on the wrong network, can it be recovered?",
    ],
    "zh-Hans": [
        "您好，我两个小时前提现了，现在还显示处理中。",
        "请帮我查一下充值为什么还没有到账。",
        "实名认证已经提交两天了，还在审核中。",
        "我的账户被冻结了，请问什么时候可以解冻？",
        "手续费比页面上显示的高很多。",
        "谢谢你们的帮助。",
        "我把币转错网络了，还能找回来吗？",
    ],
    "es": [
        "Hola, mi retiro sigue pendiente desde ayer.",
        "¿Pueden revisar por qué no llega mi depósito?",
        "Gracias por la ayuda.",
    ],
    "ja": ["出金がまだ処理中のままです。", "入金が反映されていません。確認をお願いします。"],
    "ko": ["출금이 아직 처리 중입니다.", "입금이 반영되지 않았어요. 확인 부탁드립니다."],
    "ru": ["Здравствуйте, вывод уже два часа в обработке.", "Спасибо за помощь."],
    "tr": ["Merhaba, para çekme işlemim hâlâ beklemede.", "Yardımınız için teşekkürler."],
    "fr": ["Bonjour, mon retrait est toujours en attente.", "Merci pour votre aide."],
    "de": ["Hallo, meine Auszahlung hängt seit gestern.", "Danke für die Hilfe."],
    "pt": ["Olá, meu saque ainda está pendente.", "Obrigado pela ajuda."],
    "it": ["Ciao, il mio prelievo è ancora in sospeso.", "Grazie per l'aiuto."],
}
LANG_WEIGHTS = {
    "en": 40, "zh-Hans": 25, "es": 6, "ja": 5, "ko": 5, "ru": 5, "tr": 4, "fr": 3, "de": 3,
    "pt": 2, "it": 2,
}  # fmt: skip
REPLIES = [
    "Your withdrawal is being processed and should arrive within 2 hours.",
    "We will never ask for your seed phrase or your 2FA code.",
    "Please check https://www.binance.com/en/support/faq for the steps.",
    "您的提现正在处理中，预计两小时内到账。请勿向任何人透露您的验证码。",
]


def secret(rng: random.Random) -> str:
    kind = rng.choice(["seed", "seed", "hex", "password", "card", "otp", "wif", "txid"])
    if kind == "seed":
        lang = rng.choice(["english", "english", "chinese_simplified", "spanish", "japanese"])
        return "my words: " + Mnemonic(lang).to_mnemonic(rng.randbytes(16))
    if kind == "hex":
        return "private key " + rng.randbytes(32).hex()
    if kind == "password":
        return f"my password is Tiger{rng.randrange(1000, 9999)}!"
    if kind == "card":
        return "card 4111 1111 1111 1111"
    if kind == "otp":
        return f"my 2fa code is {rng.randrange(100000, 999999)}"
    if kind == "wif":
        return "key " + base58check_encode(b"\x80" + rng.randbytes(32) + b"\x01")
    return "txid " + rng.randbytes(32).hex()  # not a secret: exercises the context rule


def message(rng: random.Random) -> str:
    lang = rng.choices(list(LANG_WEIGHTS), weights=list(LANG_WEIGHTS.values()))[0]
    target = min(2000, max(20, int(rng.lognormvariate(4.9, 0.8))))  # median ~135 chars
    parts: list[str] = []
    length = 0
    while length < target:
        part = rng.choice(SENTENCES[lang])
        parts.append(part)
        length += len(part) + 1
    if rng.random() < 0.10:
        parts.insert(rng.randrange(len(parts) + 1), secret(rng))
    return " ".join(parts)[: max(target, 20)] if rng.random() < 0.5 else " ".join(parts)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=20000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    messages = [message(rng) for _ in range(args.messages)]

    for m in messages[:500]:  # warm-up: word lists, caches, lazy tables
        redact(m)

    # Per-message latency is CPU time of this thread (what redact costs, unaffected by other
    # processes on a busy machine); throughput is given both as CPU and as wall-clock rate.
    latencies: list[tuple[int, float]] = []
    wall_started, cpu_started = time.perf_counter(), time.process_time()
    for m in messages:
        t0 = time.thread_time_ns()
        redact(m)
        latencies.append((len(m), (time.thread_time_ns() - t0) / 1000))
    wall = time.perf_counter() - wall_started
    cpu = time.process_time() - cpu_started
    redacted = sum(1 for m in messages if redact(m).redacted)

    buckets = [(20, 100), (100, 300), (150, 250), (300, 1000), (1000, 2001), (0, 10**9)]
    rows = []
    for lo, hi in buckets:
        values = [us for n, us in latencies if lo <= n < hi]
        if not values:
            continue
        rows.append(
            {
                "chars": "all" if hi == 10**9 else f"{lo}-{hi - 1}",
                "messages": len(values),
                "mean_us": round(statistics.fmean(values), 1),
                "p50_us": round(percentile(values, 0.50), 1),
                "p95_us": round(percentile(values, 0.95), 1),
                "p99_us": round(percentile(values, 0.99), 1),
            }
        )

    guard_us = []
    for i in range(3000):
        t0 = time.thread_time_ns()
        outbound_check(REPLIES[i % len(REPLIES)], official_domains=["binance.com"])
        guard_us.append((time.thread_time_ns() - t0) / 1000)

    # The inbound phishing check runs on every customer message too (after redaction).
    officials = ["lumen.exchange", "lumenex.com"]
    links_us = []
    for m in messages[: min(len(messages), 5000)]:
        t0 = time.thread_time_ns()
        url_check(m, official_domains=officials, brand_names=[])
        links_us.append((time.thread_time_ns() - t0) / 1000)

    result = {
        "benchmark": "kefu.safety.redact",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpu_count": os.cpu_count(),
        "load_average": [round(x, 2) for x in os.getloadavg()]
        if hasattr(os, "getloadavg")
        else None,
        "messages": len(messages),
        "with_findings": redacted,
        "mean_chars": round(statistics.fmean(len(m) for m in messages), 1),
        "throughput_msgs_per_cpu_s": round(len(messages) / cpu),
        "throughput_msgs_per_wall_s": round(len(messages) / wall),
        "latency_by_length": rows,
        "guard_outbound_check_p50_us": round(percentile(guard_us, 0.5), 1),
        "guard_outbound_check_p99_us": round(percentile(guard_us, 0.99), 1),
        "inbound_url_check_p50_us": round(percentile(links_us, 0.5), 1),
        "inbound_url_check_p99_us": round(percentile(links_us, 0.99), 1),
    }

    print(
        f"redact(): {len(messages)} messages (mean {result['mean_chars']} chars, "
        f"{redacted} with findings), one core: {cpu:.2f} s CPU, {wall:.2f} s wall"
    )
    print(
        f"throughput: {result['throughput_msgs_per_cpu_s']} messages per CPU second, "
        f"{result['throughput_msgs_per_wall_s']} per wall second (load {result['load_average']})\n"
    )
    print("latency per message, CPU time:")
    print(f"{'chars':>10} {'msgs':>7} {'mean µs':>9} {'p50 µs':>9} {'p95 µs':>9} {'p99 µs':>9}")
    for r in rows:
        print(
            f"{r['chars']:>10} {r['messages']:>7} {r['mean_us']:>9} {r['p50_us']:>9} "
            f"{r['p95_us']:>9} {r['p99_us']:>9}"
        )
    print(
        f"\noutbound_check(): p50 {result['guard_outbound_check_p50_us']} µs, "
        f"p99 {result['guard_outbound_check_p99_us']} µs"
    )
    print(
        f"inbound url_check(): p50 {result['inbound_url_check_p50_us']} µs, "
        f"p99 {result['inbound_url_check_p99_us']} µs"
    )
    out = ROOT / "bench" / "results" / "safety.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"\nwritten to {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
