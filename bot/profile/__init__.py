"""The customer profile: one record per customer, whichever way they came (kf, a contact, the app).

`codebook.py` is its vocabulary (survey questions, option codes, labels, WeCom tags), `model.py` the record,
`store.py` how it is kept in the store and shared by the engine, the gateway, the tag sync and schedulers.
The profile knows nothing of flows or of the policy: it stores facts and who set them.
docs/profile.md documents the schema.
"""
