"""Message sources: msgaudit through the SDK binding (a fake, and the real ctypes binding on a C stub),
keys by version, seq resumed after a restart, and 数据与智能专区 keyword hits."""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from bot.gateway.queue import Queue
from bot.group_messages.finance_sdk import FinanceSdk, FinanceSdkError, load_library
from bot.group_messages.hit_keyword import CURSOR_KEY, HitKeywordSource
from bot.group_messages.keys import CannotDecrypt, KeyRing
from bot.group_messages.msgaudit import SEQ_KEY, UNDECRYPTABLE_LOG, MsgAuditError, MsgAuditSource, observe
from bot.group_messages.observed import Observed, QueueSink
from bot.store.base import Store
from tests.fake_finance_sdk import FakeFinanceSdk, group_message
from tests.fake_wecom import FakeWeCom
from tests.groups_kit import group_stack

KEYS = {version: rsa.generate_private_key(public_exponent=65537, key_size=2048) for version in (1, 2)}
STUB = Path(__file__).parent / "data" / "finance_sdk_stub.c"


def ring(*versions: int) -> KeyRing:
    return KeyRing({v: KEYS[v] for v in versions})


def fake_sdk() -> FakeFinanceSdk:
    return FakeFinanceSdk({v: k.public_key() for v, k in KEYS.items()})


async def customer_groups_only(room: str, message: dict[str, Any]) -> bool:
    return room.startswith("wrCustomer")


class Recorder:
    """The queue sink, recording what it was given."""

    def __init__(self, queue: Queue, fail_after: int | None = None) -> None:
        self.sink = QueueSink(queue)
        self.seen: list[Observed] = []
        self.queued: list[str] = []
        self.fail_after = fail_after

    async def __call__(self, observed: Observed) -> bool:
        if self.fail_after is not None and len(self.seen) >= self.fail_after:
            raise RuntimeError("the process dies here")
        self.seen.append(observed)
        fresh = await self.sink(observed)
        if fresh:
            self.queued.append(observed.msgid)
        return fresh


def pem(tmp_path: Path, version: int) -> Path:
    path = tmp_path / f"v{version}.pem"
    path.write_bytes(KEYS[version].private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                 serialization.NoEncryption()))
    return path


# -- keys -------------------------------------------------------------------------------------------
def test_key_ring_reads_versions_and_names_each_mistake(tmp_path: Path) -> None:
    keys, problems = KeyRing.parse(f"1:{pem(tmp_path, 1)}, 2:{pem(tmp_path, 2)}")
    assert problems == [] and sorted(keys.keys) == [1, 2]
    (tmp_path / "junk.pem").write_text("not a key")
    _, problems = KeyRing.parse(f"one:{tmp_path}/v1.pem,3:{tmp_path}/missing.pem,4:{tmp_path}/junk.pem")
    assert len(problems) == 3
    assert "应当是 版本:路径" in problems[0] and "读不了版本 3 的私钥" in problems[1]
    assert "版本 4 不是没有加密的 PEM 私钥" in problems[2]
    wrapped = KEYS[2].public_key().encrypt(b"RANDOMKEY123", padding.PKCS1v15())
    assert keys.open_random_key(2, base64.b64encode(wrapped).decode()) == "RANDOMKEY123"
    with pytest.raises(CannotDecrypt, match="version 3"):
        keys.open_random_key(3, base64.b64encode(wrapped).decode())
    with pytest.raises(CannotDecrypt):  # the wrong key: OpenSSL gives random bytes, caught by the check
        keys.open_random_key(1, base64.b64encode(wrapped).decode())


# -- msgaudit ---------------------------------------------------------------------------------------
async def test_pull_keeps_only_customer_group_messages(store: Store) -> None:
    sdk = fake_sdk()
    sdk.add(group_message("m1", "wrCustomer1", "wmA", "加我微信 abc123"))
    sdk.add({"msgid": "m2", "action": "send", "from": "wmA", "tolist": ["anna"], "msgtime": 1, "msgtype": "text",
             "text": {"content": "a 1:1 chat"}})
    sdk.add(group_message("m3", "wrInternal", "anna", "内部群"))
    sdk.add({"msgid": "m4", "action": "recall", "from": "wmA", "roomid": "wrCustomer1", "msgtime": 1,
             "msgtype": "revoke"})
    sdk.add(group_message("m5", "wrCustomer2", "wmB", "", msgtype="link", title="限时福利", description="点我领",
                          link_url="https://spam.example/x"))
    queue = Queue(store)
    await queue.setup()
    sink = Recorder(queue)
    source = MsgAuditSource(sdk, ring(1), store, sink, customer_groups_only)
    report = await source.pull_report()
    assert (report.seen, report.kept, report.queued, report.seq) == (5, 2, 2, 5)
    assert await store.get(SEQ_KEY) == "5"
    first, link = sink.seen
    assert (first.chat_id, first.sender, first.text, first.sent_at) == ("wrCustomer1", "wmA", "加我微信 abc123", 1.7e9)
    assert (link.msgtype, link.url, link.text) == ("link", "https://spam.example/x", "限时福利 点我领")
    assert await queue.depth() == 2


async def test_keys_of_several_versions_and_a_missing_one(store: Store) -> None:
    sdk = fake_sdk()
    sdk.add(group_message("m1", "wrCustomer1", "wmA", "old key"), version=1)
    sdk.add(group_message("m2", "wrCustomer1", "wmA", "new key"), version=2)
    sdk.add(group_message("m3", "wrCustomer1", "wmA", "new key again"), version=2)
    queue = Queue(store)
    both = Recorder(queue)
    assert (await MsgAuditSource(sdk, ring(1, 2), store, both, customer_groups_only).pull_report()).queued == 3
    await store.delete(SEQ_KEY)
    only_old = Recorder(Queue(store))
    report = await MsgAuditSource(sdk, ring(1), store, only_old, customer_groups_only).pull_report()
    assert report.undecryptable == 2 and report.seq == 3  # recorded, not blocking the stream
    kept = [json.loads(raw) for raw in await store.lrange(UNDECRYPTABLE_LOG, 0, -1)]
    assert sorted(r["msgid"] for r in kept) == ["m2", "m3"] and all(r["publickey_ver"] == 2 for r in kept)


async def test_pulls_resume_from_the_stored_seq_after_a_restart(store: Store) -> None:
    sdk = fake_sdk()
    for n in range(5):
        sdk.add(group_message(f"m{n}", "wrCustomer1", "wmA", f"hello {n}"))
    queue = Queue(store)
    await queue.setup()
    first = Recorder(queue)
    await MsgAuditSource(sdk, ring(1), store, first, customer_groups_only, batch=2).pull_report()
    assert first.queued == [f"m{n}" for n in range(5)] and sdk.calls[0] == (0, 2)
    for n in range(5, 8):
        sdk.add(group_message(f"m{n}", "wrCustomer1", "wmA", f"hello {n}"))
    sdk.calls.clear()
    restarted = Recorder(queue)  # a new process: nothing in memory, only the store
    await MsgAuditSource(sdk, ring(1), store, restarted, customer_groups_only, batch=2).pull_report()
    assert sdk.calls[0] == (5, 2)
    assert restarted.queued == ["m5", "m6", "m7"] and await queue.depth() == 8


async def test_a_crash_in_the_middle_of_a_batch_moderates_nothing_twice(store: Store) -> None:
    sdk = fake_sdk()
    for n in range(6):
        sdk.add(group_message(f"m{n}", "wrCustomer1", "wmA", f"hello {n}"))
    queue = Queue(store)
    await queue.setup()
    dying = Recorder(queue, fail_after=4)
    with pytest.raises(RuntimeError):
        await MsgAuditSource(sdk, ring(1), store, dying, customer_groups_only, batch=3).pull_report()
    assert await store.get(SEQ_KEY) == "3"  # the first batch was queued whole; the second was not
    again = Recorder(queue)
    await MsgAuditSource(sdk, ring(1), store, again, customer_groups_only, batch=3).pull_report()
    assert [o.msgid for o in again.seen] == ["m3", "m4", "m5"]
    assert again.queued == ["m4", "m5"]  # m3 was queued before the crash: the dedup drops it
    assert await queue.depth() == 6


async def test_sdk_failures_are_errors_that_keep_the_seq(store: Store) -> None:
    sdk = fake_sdk()
    sdk.add(group_message("m1", "wrCustomer1", "wmA", "hi"))
    sdk.failures = ["sdk", "10010"]
    source = MsgAuditSource(sdk, ring(1), store, Recorder(Queue(store)), customer_groups_only)
    with pytest.raises(MsgAuditError, match="10001"):
        await source.pull_report()
    with pytest.raises(MsgAuditError, match="errcode 10010"):
        await source.pull_report()
    assert await store.get(SEQ_KEY) is None
    assert (await source.pull_report()).queued == 1


async def test_a_pull_already_running_elsewhere_is_asked_to_go_round_again(store: Store) -> None:
    sdk = fake_sdk()
    sdk.add(group_message("m1", "wrCustomer1", "wmA", "hi"))
    source = MsgAuditSource(sdk, ring(1), store, Recorder(Queue(store)), customer_groups_only)
    assert await store.acquire("siyu:msgaudit:lock", "another-process", 60_000)
    assert (await source.pull_report()).busy and await store.get("siyu:msgaudit:again") == "1"
    await store.release("siyu:msgaudit:lock", "another-process")
    assert (await source.pull_report()).queued == 1


def test_observe_maps_msgaudit_types_to_the_detector_names() -> None:
    weapp = observe(group_message("w", "wr", "wmA", "", msgtype="weapp", title="领券", description="",
                                  username="gh_123@app", displayname="某商城"))
    assert (weapp.msgtype, weapp.appid, weapp.text) == ("miniprogram", "gh_123@app", "领券  某商城")
    packet = observe(group_message("r", "wr", "wmA", "", msgtype="redpacket", type=1, wish="恭喜发财"))
    assert (packet.msgtype, packet.text) == ("redpacket", "恭喜发财")
    card = observe(group_message("c", "wr", "wmA", "", msgtype="card", corpname="某公司", userid="x"))
    assert card.msgtype == "card"
    image = observe(group_message("i", "wr", "wmA", "", msgtype="image", sdkfileid="F"))
    assert (image.msgtype, image.text) == ("image", "")


# -- 数据与智能专区 keyword hits -----------------------------------------------------------------------
async def test_keyword_hits_are_read_with_the_token_and_the_stored_cursor(store: Store, fake: FakeWeCom) -> None:
    fake.add_hit("h1", "wrCustomer1", "wmA", "rule-ad")
    fake.add_hit("h2", "wrCustomer1", "anna", "rule-ad", sender_type=1)
    fake.hit_log.append({"msgid": "h3", "msg_detail": {"sender": {"type": 2, "id": "wmB"}, "chatid": "",
                                                       "send_time": 1}, "hit_rule_list": [{"rule_id": "rule-ad"}]})
    async with group_stack(store, fake) as stack:
        queue = Queue(store)
        sink = Recorder(queue)
        source = HitKeywordSource(stack.groups_api, store, sink)
        assert await source.pull(fake.issue_hit_token()) == 2
        assert [(o.msgid, o.keyword_rule, o.sender_is_staff) for o in sink.seen] == [
            ("h1", "rule-ad", False), ("h2", "rule-ad", True)]
        assert await store.get(CURSOR_KEY) == "3"
        fake.add_hit("h4", "wrCustomer2", "wmC", "rule-fraud")
        assert await source.pull("expired-token") == 1  # refused token: read again without it
        calls = fake.calls_to("chatdata/keyword/get_hit_msg_list")
        assert [c.get("cursor", "") for c in calls] == ["", "3", "3"] and "token" not in calls[-1]
        assert await source.pull("") == 0


# -- the real ctypes binding, on a C stub with the SDK's API ---------------------------------------------
@pytest.fixture(scope="module")
def stub_library(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if shutil.which("gcc") is None:
        pytest.skip("gcc is not installed: the C stub of the Finance SDK cannot be built")
    out = tmp_path_factory.mktemp("sdk") / "libWeWorkFinanceSdk_C.so"
    subprocess.run(["gcc", "-shared", "-fPIC", "-o", str(out), str(STUB)], check=True)
    return out


def test_loading_fails_with_a_clear_message(tmp_path: Path, stub_library: Path) -> None:
    with pytest.raises(FinanceSdkError, match=r"没有企业微信会话存档 SDK（SIYU_MSGAUDIT_SDK）"):
        load_library(tmp_path / "nothing.so")
    (tmp_path / "broken.so").write_text("not a library")
    with pytest.raises(FinanceSdkError, match="加载不了企业微信会话存档 SDK"):
        load_library(tmp_path / "broken.so")
    empty_c = tmp_path / "empty.c"
    empty_c.write_text("int NewSdk(void) { return 0; }\n")
    subprocess.run(["gcc", "-shared", "-fPIC", "-o", str(tmp_path / "empty.so"), str(empty_c)], check=True)
    with pytest.raises(FinanceSdkError, match="不是企业微信会话存档 SDK：缺少 Init, GetChatData"):
        load_library(tmp_path / "empty.so")
    with pytest.raises(FinanceSdkError, match="10000"):
        FinanceSdk(stub_library, "wwstub", "wrong-secret")


def test_arguments_cross_into_c_intact(stub_library: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("STUB_CHATDATA", raising=False)
    sdk = FinanceSdk(stub_library, "wwstub", "stub-secret", proxy="socks5://10.0.0.1:8081",
                     proxy_password="user:密码", timeout_s=7)
    echo = json.loads(sdk.get_chat_data(2**40 + 3, 1000))["echo"]
    assert echo == {"seq": 2**40 + 3, "limit": 1000, "proxy": "socks5://10.0.0.1:8081", "passwd": "user:密码",
                    "timeout": 7}
    monkeypatch.setenv("STUB_KEY", "k" * 32)
    assert sdk.decrypt_data("k" * 32, '{"text":"中文 ok"}') == '{"text":"中文 ok"}'
    with pytest.raises(FinanceSdkError) as failed:
        sdk.decrypt_data("wrong", "x")
    assert failed.value.code == 10006 and "解密失败" in str(failed.value)
    sdk.close()


async def test_msgaudit_end_to_end_through_the_ctypes_binding(stub_library: Path, tmp_path: Path, store: Store,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    random_key = "R" * 16 + "andomKey0123456"
    wrapped = base64.b64encode(KEYS[1].public_key().encrypt(random_key.encode(), padding.PKCS1v15())).decode()
    message = group_message("m1", "wrCustomer9", "wmSpam", "加V看福利 vx123456")
    chatdata = {"errcode": 0, "errmsg": "ok", "chatdata": [
        {"seq": 41, "msgid": "m1", "publickey_ver": 1, "encrypt_random_key": wrapped,
         "encrypt_chat_msg": json.dumps(message, ensure_ascii=False)}]}
    (tmp_path / "chatdata.json").write_text(json.dumps(chatdata, ensure_ascii=False))
    monkeypatch.setenv("STUB_CHATDATA", str(tmp_path / "chatdata.json"))
    monkeypatch.setenv("STUB_KEY", random_key)
    sink = Recorder(Queue(store))
    source = MsgAuditSource(FinanceSdk(stub_library, "wwstub", "stub-secret"), ring(1), store, sink,
                            customer_groups_only)
    report = await source.pull_report()
    assert (report.queued, report.seq) == (1, 41)
    assert (sink.seen[0].sender, sink.seen[0].text) == ("wmSpam", "加V看福利 vx123456")


def test_siyu_serve_refuses_a_wrong_msgaudit_setup_with_one_line_each(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WECOM_", "SIYU_", "REDIS_URL"))}
    env.update(WECOM_CORP_ID="ww1", WECOM_TOKEN="QDG6eK", WECOM_AES_KEY="jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C",
               WECOM_SECRET="s", SIYU_MSGAUDIT_SDK=str(tmp_path / "missing.so"),
               SIYU_MSGAUDIT_KEYS=f"1:{tmp_path}/nokey.pem,x", SIYU_GROUPS_API_PER_MINUTE="20000")
    result = subprocess.run([sys.executable, "-m", "bot", "serve"], capture_output=True, text=True, env=env,
                            timeout=60)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert any(f"SIYU_MSGAUDIT_SDK 不对：{tmp_path}/missing.so 不是文件" in line for line in lines)
    assert any("SIYU_MSGAUDIT_SECRET 没有设置" in line for line in lines)
    assert any("SIYU_MSGAUDIT_KEYS 不对：读不了版本 1 的私钥" in line for line in lines)
    assert any("SIYU_MSGAUDIT_KEYS 写得不对：应当是 版本:路径，现在是 'x'" in line for line in lines)
    assert any("SIYU_GROUPS_API_PER_MINUTE 写得不对" in line for line in lines)
    (tmp_path / "fake.so").write_text("not a library")
    env.update(SIYU_MSGAUDIT_SDK=str(tmp_path / "fake.so"), SIYU_MSGAUDIT_SECRET="x",
               SIYU_MSGAUDIT_KEYS=f"1:{pem(tmp_path, 1)}", SIYU_GROUPS_API_PER_MINUTE="100")
    result = subprocess.run([sys.executable, "-m", "bot", "serve"], capture_output=True, text=True, env=env,
                            timeout=60)
    assert result.returncode == 2
    assert "siyu serve: SIYU_MSGAUDIT_SDK 不对：加载不了企业微信会话存档 SDK" in result.stderr
