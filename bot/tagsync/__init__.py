"""The profile's tags in WeCom (externalcontact tags), both ways.

- `library.py` the codebook's tag groups and tags created in WeCom (get_corp_tag_list / add_corp_tag),
               idempotently, and their ids kept in the store
- `push.py`    a customer's tag changes written with mark_tag, per staff relation, add and remove
- `pull.py`    what staff set or removed in WeCom flows back into the profile (externalcontact/get)
- `service.py` the one object the gateway, the pump and `siyu sync-tags` use: relation events, the
               pump that drains the profile's tag feed with retries, the full reconcile

The bot never fights a human: a tag a staff member removed is not set again, one they set is not removed.
A customer who only ever wrote in kf (no staff relation) keeps the tags in the profile; they are written
when the customer adds a staff member.
"""
