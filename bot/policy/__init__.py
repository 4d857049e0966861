"""The restraint policy: when the bot may recommend, what, and why (knowledge/policy.yaml).

- `spec.py`     the policy as operators write it, checked by `siyu check`
- `evidence.py` need evidence read from every message (asks, urgency, pains, cold replies, silence)
- `decide.py`   the decision — recommend now / ask one question first / one light mention / hold back —
                with its reasons and the evidence that counted; `may_offer` for proactive offers
- `choose.py`   the product that fits the profile best, with the reason
- `journal.py`  every decision, kept per customer for `siyu why`

The policy reads a Profile (bot/profile) and content; it never talks to WeCom and knows no flows.
"""
