"""Customer-safety checks: secret redaction, outbound guard, phishing links.

Pure Python, no database: everything here runs on a string and returns plain data, so the
inbound pipeline, the bot and the console can all call it. See docs/subsystems/redaction.md.
"""
