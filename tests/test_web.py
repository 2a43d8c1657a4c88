"""The web face over real HTTP: a real uvicorn server on 127.0.0.1, the real index and model, httpx.

The browser tests are in test_web_browser.py.
"""

from __future__ import annotations

import io
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from _shared import NEW_PDF, SEED, make_assistant
from conftest import prebuilt
from fake_telegram import FakeBotAPI

from bulletin_bot import cli
from bulletin_bot.assistant import Assistant
from bulletin_bot.bot.store import BotStore
from bulletin_bot.errors import ConfigError
from bulletin_bot.web.app import SESSION_COOKIE, check_bind, create_app, serve_app
from bulletin_bot.web.auth import WEB_FILE, WebStore
from bulletin_bot.web.settings import WebSettings

QUESTION = "万州区委何时听取党史汇报"
PASSWORD = "correct horse battery"


@dataclass
class Server:
    url: str
    assistant: Assistant
    store: WebStore
    admin_token: str
    staff_token: str

    def client(self, token: str | None = None, **kw: object) -> httpx.Client:
        headers = {"authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=120, **kw)  # type: ignore[arg-type]


def start(assistant: Assistant, web: WebSettings | None = None) -> tuple[object, object, str]:
    app = create_app(assistant.settings, assistant, web or WebSettings())
    server, thread, port = serve_app(app, "127.0.0.1", 0)
    return server, thread, f"http://127.0.0.1:{port}"


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server over its own index of the seed issue (tests here upload and remove issues)."""
    base = tmp_path_factory.mktemp("web")
    assistant = prebuilt("seed", [SEED], base)
    store = WebStore(base / "index" / WEB_FILE)
    store.add_user("alice", "admin", PASSWORD)
    store.add_user("bob", "staff", PASSWORD)
    admin_token, staff_token = store.add_token("oa", "admin"), store.add_token("wecom", "staff")
    server, thread, url = start(assistant, WebSettings(login_attempts=3))
    yield Server(url, assistant, store, admin_token, staff_token)
    server.should_exit = True  # type: ignore[attr-defined]
    thread.join(timeout=10)  # type: ignore[attr-defined]


def login(server: Server, name: str) -> tuple[httpx.Client, str]:
    client = server.client()
    r = client.post("/api/login", json={"name": name, "password": PASSWORD})
    assert r.status_code == 200, r.text
    csrf = client.get("/api/me").json()["csrf"]
    return client, csrf


@pytest.mark.slow
def test_ask_returns_the_same_json_as_ask_json(web: Server) -> None:
    with web.client(web.staff_token) as c:
        r = c.post("/api/ask", json={"question": QUESTION})
    assert r.status_code == 200
    data = r.json()
    expected = cli.answer_json(web.assistant.ask(QUESTION))
    assert {k: v for k, v in data.items() if k != "session"} == json.loads(json.dumps(expected))
    assert data["answered"] and "2020年11月30日" in data["answer"]
    assert data["citations"][0]["article_no"] >= 0


@pytest.mark.slow
def test_follow_ups_stay_in_their_session(web: Server) -> None:
    with web.client(web.staff_token) as c:
        c.post("/api/ask", json={"question": QUESTION, "session": "s1"})
        fuling = c.post("/api/ask", json={"question": "那涪陵呢？", "session": "s1"}).json()
        assert fuling["question"].startswith("涪陵") and "2020年12月31日" in fuling["answer"]
        assert fuling["rewritten"].startswith("涪陵")
        source = c.post("/api/ask", json={"question": "出处？", "session": "s1"}).json()
        assert source["kind"] == "source" and "涪陵" in source["citations"][0]["article_title"]
        other = c.post("/api/ask", json={"question": "那涪陵呢？", "session": "s2"}).json()
    assert "2020年12月31日" not in other["answer"]  # no context in a fresh session


@pytest.mark.slow
def test_search_issues_and_article_text(web: Server) -> None:
    with web.client(web.staff_token) as c:
        hits = c.get("/api/search", params={"q": "读书分享决赛", "k": 3}).json()["hits"]
        assert 1 <= len(hits) <= 3 and "读书" in hits[0]["article_title"]
        issues = c.get("/api/issues").json()["issues"]
        assert [i["date"] for i in issues] == ["2021-01-08"]
        toc = c.get(f"/api/issues/{issues[0]['id']}").json()
        assert toc["sections"][0]["name"] == "工作动态" and len(toc["toc"]) == issues[0]["articles"]
        article = c.get(f"/api/issues/{hits[0]['issue_id']}/articles/{hits[0]['article_no']}").json()
        assert hits[0]["text"][:20] in article["text"] and article["paragraphs"]
        missing = c.get(f"/api/issues/{issues[0]['id']}/articles/999")
        assert missing.status_code == 404 and missing.json()["code"] == "not_found"


def test_errors_are_json_with_a_code_and_a_message(web: Server) -> None:
    with web.client() as anonymous:
        r = anonymous.post("/api/ask", json={"question": QUESTION})
        assert r.status_code == 401 and r.json()["code"] == "unauthorized"
    with web.client("bbt_not-a-token") as bad:
        assert bad.get("/api/issues").json() == {"code": "bad_token", "message": "API 令牌无效或已撤销。"}
    with web.client(web.staff_token) as c:
        assert c.get("/api/nothing").json()["code"] == "not_found"
        r = c.post("/api/ask", json={"question": "   "})
        assert r.status_code == 400 and r.json()["code"] == "bad_question" and "请" in r.json()["message"]
        r = c.post("/api/ask", json={"session": "x"})
        assert r.status_code == 422 and r.json()["code"] == "invalid_request"
        r = c.get("/api/search", params={"q": "党史", "k": 500})
        assert r.status_code == 422 and set(r.json()) == {"code", "message"}


def test_staff_cannot_use_the_admin_api(web: Server) -> None:
    with web.client(web.staff_token) as c:
        for method, path in [("GET", "/api/stats"), ("GET", "/api/unanswered"), ("POST", "/api/reindex"),
                             ("DELETE", "/api/issues/2021-01-08-x")]:
            r = c.request(method, path)
            assert (r.status_code, r.json()["code"]) == (403, "forbidden"), path
        r = c.post("/api/issues", files={"file": ("a.txt", b"x", "text/plain")})
        assert r.status_code == 403
    client, _ = login(web, "bob")
    with closing(client):
        assert client.get("/admin").status_code == 403
        assert client.get("/api/stats").status_code == 403


def test_oversized_requests_are_refused_before_they_are_read(web: Server) -> None:
    host, port = web.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=30) as sock:
        sock.sendall(
            f"POST /api/ask HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {web.staff_token}\r\n"
            "Content-Type: application/json\r\nContent-Length: 5000000000\r\n\r\n".encode()
        )  # no body is sent: the answer must come anyway
        chunks = []
        for _ in range(100):  # until the server closes the connection
            chunk = sock.recv(4096)
            if not chunk:
                break
            chunks.append(chunk)
        reply = b"".join(chunks).decode("utf-8", "replace")
    assert reply.startswith("HTTP/1.1 413") and '"code":"too_large"' in reply
    with web.client(web.staff_token) as c:  # a chunked body with no length is cut off as it passes the limit
        r = c.post("/api/ask", content=iter([b'{"question": "', b"x" * 300_000, b'"}']),
                   headers={"content-type": "application/json"})
        assert r.status_code == 413


def test_login_session_cookie_and_csrf(web: Server) -> None:
    client, csrf = login(web, "alice")
    with closing(client):
        cookie = next(c for c in client.cookies.jar if c.name == SESSION_COOKIE)
        assert cookie.has_nonstandard_attr("HttpOnly") and cookie.path == "/"
        me = client.get("/api/me").json()
        assert (me["name"], me["role"], me["via"]) == ("alice", "admin", "session")
        assert client.get("/api/stats").status_code == 200  # reading needs no CSRF token
        assert client.post("/api/reindex").json()["code"] == "csrf"  # changing does
        r = client.post("/api/reindex", headers={"x-csrf-token": csrf, "origin": "http://evil.example"})
        assert r.json()["code"] == "csrf"
        r = client.post("/api/ask", json={"question": QUESTION}, headers={"x-csrf-token": csrf})
        assert r.status_code == 200
        assert client.post("/api/logout", headers={"x-csrf-token": csrf}).status_code == 200
        assert client.get("/api/me").status_code == 401


def test_logins_are_rate_limited(web: Server) -> None:
    with web.client() as c:
        codes = [c.post("/api/login", json={"name": "carol", "password": "wrong-password"}).status_code
                 for _ in range(4)]
        assert codes == [401, 401, 401, 429]
        r = c.post("/api/login", json={"name": "carol", "password": "wrong-password"})
        assert r.json()["code"] == "too_many_logins" and int(r.headers["retry-after"]) > 0


def test_removed_user_loses_the_session(web: Server) -> None:
    web.store.add_user("dave", "staff", PASSWORD)
    client, _ = login(web, "dave")
    with closing(client):
        assert client.get("/api/issues").status_code == 200
        web.store.remove_user("dave")
        assert client.get("/api/issues").status_code == 401


@pytest.mark.slow
def test_upload_then_only_the_new_issue_answers_then_remove(web: Server) -> None:
    question = "江北区委何时听取党史汇报"  # only the 2021-02 issue says so
    with web.client(web.admin_token) as c:
        bad = c.post("/api/issues", files={"file": ("empty.txt", b"", "text/plain")})
        assert bad.status_code == 422 and bad.json()["code"] == "parse_error"
        assert "无法收录 empty.txt" in bad.json()["message"] and "索引未改动" in bad.json()["message"]
        wrong = c.post("/api/issues", files={"file": ("a.exe", b"MZ", "application/octet-stream")})
        assert wrong.json()["code"] == "unsupported_type"
        assert not c.post("/api/ask", json={"question": question}).json()["answered"]
        r = c.post("/api/issues", files={"file": (NEW_PDF.name, NEW_PDF.read_bytes(), "application/pdf")})
        assert r.status_code == 200, r.text
        summary = r.json()
        added = summary["added"][0]
        assert (added["date"], added["number"]) == ("2021-02-05", "2021年第2期")
        assert added["sections"] and added["articles"] == sum(s["articles"] for s in added["sections"])
        assert "已加入索引" in summary["message"]
        again = c.post("/api/issues", files={"file": (NEW_PDF.name, NEW_PDF.read_bytes(), "application/pdf")})
        assert again.json()["unchanged"]
        answer = c.post("/api/ask", json={"question": question}).json()
        assert answer["answered"] and "2021年1月12日" in answer["answer"]
        assert answer["citations"][0]["issue_date"] == "2021-02-05"
        gone = c.delete(f"/api/issues/{added['id']}")
        assert gone.status_code == 200 and gone.json()["removed"] == added["id"]
        assert c.delete(f"/api/issues/{added['id']}").json()["code"] == "not_found"
        assert [i["date"] for i in c.get("/api/issues").json()["issues"]] == ["2021-01-08"]


@pytest.mark.slow
def test_bot_and_web_questions_share_stats_and_unanswered(web: Server) -> None:
    bot_store = BotStore(Path(web.assistant.settings.index_dir) / "bot.sqlite")
    try:
        with web.client(web.admin_token) as c:
            before = c.get("/api/stats").json()
            for _ in range(2):
                c.post("/api/ask", json={"question": "火星基地何时建成？"})
            bot_store.log_question(42, 42, "火星基地何时建成", False, "没有找到", [])
            after = c.get("/api/stats").json()
            unanswered = c.get("/api/unanswered").json()["questions"]
        assert after["questions"] == before["questions"] + 3
        assert after["by_face"]["telegram"] >= 1 and after["by_face"]["api"] >= 2
        top = next(q for q in unanswered if q["question"].startswith("火星基地"))
        assert top["count"] == 3 and set(top["faces"]) == {"api", "telegram"}
        assert any("火星基地" in q for _, _, q in bot_store.unanswered())  # the bot's /unanswered sees web ones
    finally:
        bot_store.close()


def test_openapi_and_docs_are_served_without_a_cdn(web: Server) -> None:
    with web.client() as c:
        spec = c.get("/openapi.json").json()
        assert {"/api/ask", "/api/search", "/api/issues", "/api/issues/{issue_id}",
                "/api/issues/{issue_id}/articles/{article_no}"} <= set(spec["paths"])
        assert spec["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
        page = c.get("/docs").text
        assert "/assets/swagger/swagger-ui-bundle.js" in page and "//cdn" not in page and "https://" not in page
        assert c.get("/assets/swagger/swagger-ui-bundle.js").status_code == 200
        for name in ("index.html", "admin.html", "login.html", "staff.js", "admin.js", "common.js", "app.css"):
            text = c.get(f"/static/{name}").text
            assert "http://" not in text and "https://" not in text, name
        r = c.get("/", follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/login"
        assert "script-src" not in r.headers.get("content-security-policy", "")  # default-src 'self' covers it


def test_sso_header_only_from_trusted_proxies(web: Server) -> None:
    trusted = WebSettings(sso_header="X-Remote-User", sso_admins=frozenset({"boss"}))
    untrusted = WebSettings(sso_header="X-Remote-User", trusted_proxies=frozenset({"10.9.9.9"}))
    for settings, expected in ((trusted, ("boss", "admin", "sso")), (untrusted, None)):
        server, thread, url = start(web.assistant, settings)
        try:
            with httpx.Client(base_url=url, headers={"X-Remote-User": "boss"}) as c:
                r = c.get("/api/me")
                got = (r.json()["name"], r.json()["role"], r.json()["via"]) if r.status_code == 200 else None
                assert got == expected
                if expected:
                    staff = c.get("/api/me", headers={"X-Remote-User": "bob"}).json()
                    assert staff["role"] == "staff"  # a known user keeps their role
        finally:
            server.should_exit = True  # type: ignore[attr-defined]
            thread.join(timeout=10)  # type: ignore[attr-defined]


def test_open_mode_only_on_loopback(tmp_path: Path) -> None:
    store = WebStore(tmp_path / WEB_FILE)
    check_bind("127.0.0.1", store, WebSettings())
    with pytest.raises(ConfigError, match="refusing to listen on 0.0.0.0 with no web users"):
        check_bind("0.0.0.0", store, WebSettings())
    check_bind("0.0.0.0", store, WebSettings(sso_header="X-Remote-User"))
    store.add_user("alice", "admin", PASSWORD)
    check_bind("0.0.0.0", store, WebSettings())
    store.close()


def test_cli_manages_users_and_tokens(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    index = str(tmp_path / "index")
    monkeypatch.setattr(sys, "stdin", io.StringIO(PASSWORD + "\n"))
    assert cli.main(["web-user", "add", "alice", "--role", "admin", "--password-stdin", "--index", index]) == 0
    assert cli.main(["web-token", "add", "oa", "--role", "staff", "--index", index]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    token = out[-1]
    store = WebStore(Path(index) / WEB_FILE)
    assert store.authenticate("alice", PASSWORD) and not store.authenticate("alice", "wrong")
    assert PASSWORD not in (Path(index) / WEB_FILE).read_bytes().decode("latin-1")
    principal = store.token_principal(token)
    assert principal is not None and principal.role == "staff"
    assert cli.main(["web-token", "revoke", "oa", "--index", index]) == 0
    assert store.token_principal(token) is None
    assert cli.main(["web-user", "remove", "alice", "--index", index]) == 0
    assert cli.main(["web-user", "remove", "alice", "--index", index]) == 1
    assert "no web user 'alice'" in capsys.readouterr().err
    monkeypatch.setattr(sys, "stdin", io.StringIO("short\n"))
    assert cli.main(["web-user", "add", "bob", "--role", "staff", "--password-stdin", "--index", index]) == 1
    assert cli.main(["web", "--host", "0.0.0.0", "--index", index]) == 1
    assert "refusing to listen on 0.0.0.0" in capsys.readouterr().err
    assert cli.main(["web-token", "revoke", "--index", index]) == 1
    assert "usage: bulletin-bot web-token revoke NAME" in capsys.readouterr().err
    store.close()


@pytest.mark.slow
def test_serve_web_runs_the_bot_and_the_web_in_one_process(web: Server, fake_api: FakeBotAPI) -> None:
    """``serve --web`` in a child process: one Assistant, and both faces' questions in the same stats."""
    staff_id = 777
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    settings = web.assistant.settings
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": fake_api.token,
        "TELEGRAM_API_BASE_URL": fake_api.root_url,
        "BULLETIN_ALLOWED_USERS": str(staff_id),
        "BULLETIN_INDEX_DIR": str(settings.index_dir),
        "BULLETIN_CORPUS_DIR": str(settings.corpus_dir),
    }
    child = subprocess.Popen(
        [sys.executable, "-m", "bulletin_bot.cli", "serve", "--web", "--web-port", str(port)],
        env=env, stderr=subprocess.PIPE, text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        # The bot's first long poll has reached the fake (a call is recorded only once it is answered).
        fake_api.wait_for(lambda f: f.poll_generation > 0, timeout=120)
        with httpx.Client(base_url=url, headers={"authorization": f"Bearer {web.admin_token}"}, timeout=60) as c:
            before = c.get("/api/stats").json()["by_face"]
            assert c.post("/api/ask", json={"question": QUESTION}).json()["answered"]
            fake_api.send_text(staff_id, QUESTION)
            fake_api.wait_for(lambda f: bool(f.sent(staff_id)), timeout=60)
            assert "2020年11月30日" in fake_api.texts(staff_id)[0]
            after = c.get("/api/stats").json()["by_face"]
        assert after["api"] == before.get("api", 0) + 1
        assert after["telegram"] == before.get("telegram", 0) + 1
    finally:
        child.send_signal(signal.SIGTERM)
        _, stderr = child.communicate(timeout=60)
    assert child.returncode == 0, stderr
    assert "Traceback" not in stderr


@pytest.mark.slow
def test_reindex_runs_in_the_background_and_reports_through_progress(web: Server) -> None:
    with web.client(web.admin_token) as c:
        r = c.post("/api/reindex")
        assert r.status_code == 202 and r.json()["started"]
        deadline = time.monotonic() + 300
        while (progress := c.get("/api/progress").json())["active"]:
            assert time.monotonic() < deadline, progress
            assert c.post("/api/ask", json={"question": QUESTION}).json()["answered"]  # answers go on meanwhile
        assert progress["error"] is None, progress
        assert "索引现有 1 期" in progress["result"]["message"]
        assert c.post("/api/ask", json={"question": QUESTION}).json()["answered"]


@pytest.mark.slow
def test_an_empty_installation_starts_and_takes_its_first_upload(tmp_path: Path) -> None:
    assistant = make_assistant(tmp_path / "index", tmp_path / "corpus")
    store = WebStore(tmp_path / "index" / WEB_FILE)
    token = store.add_token("admin", "admin")
    store.close()
    server, thread, url = start(assistant)
    try:
        with httpx.Client(base_url=url, headers={"authorization": f"Bearer {token}"}, timeout=120) as c:
            r = c.get("/api/issues")
            assert r.status_code == 503 and r.json()["code"] == "no_index" and "/admin" in r.json()["message"]
            r = c.post("/api/issues", files={"file": (SEED.name, SEED.read_bytes(), "text/plain")})
            assert r.status_code == 200, r.text
            assert c.post("/api/ask", json={"question": QUESTION}).json()["answered"]
    finally:
        server.should_exit = True  # type: ignore[attr-defined]
        thread.join(timeout=10)  # type: ignore[attr-defined]


@pytest.mark.slow
def test_sigterm_during_an_upload_stops_its_ingest_and_keeps_the_index(tmp_path: Path) -> None:
    """``bulletin-bot web`` in a child process: SIGTERM while an upload is being embedded."""
    prebuilt("seed", [SEED], tmp_path)
    store = WebStore(tmp_path / "index" / WEB_FILE)
    token = store.add_token("oa", "admin")
    current = (tmp_path / "index" / "CURRENT").read_text()
    # A long issue of text no vector cache has seen: its embedding takes far longer than the test waits.
    lines = SEED.read_text("utf-8").splitlines()
    body = "\n".join(f"{line}（第{n}遍）" if len(line) > 30 else line for n in range(12) for line in lines)
    big = body.encode()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "BULLETIN_INDEX_DIR": str(tmp_path / "index"), "BULLETIN_CORPUS_DIR": str(tmp_path / "corpus")}
    child = subprocess.Popen(
        [sys.executable, "-m", "bulletin_bot.cli", "web", "--port", str(port)], env=env, stderr=subprocess.PIPE, text=True
    )
    url = f"http://127.0.0.1:{port}"
    headers = {"authorization": f"Bearer {token}"}
    result: dict[str, object] = {}

    def upload() -> None:
        try:
            with httpx.Client(base_url=url, headers=headers, timeout=120) as c:
                result["response"] = c.post("/api/issues", files={"file": ("big.txt", big, "text/plain")})
        except httpx.HTTPError as exc:
            result["error"] = exc

    try:
        deadline = time.monotonic() + 60
        while True:  # until the server answers
            try:
                httpx.get(f"{url}/api/progress", headers=headers, timeout=5)
                break
            except httpx.HTTPError:
                assert time.monotonic() < deadline and child.poll() is None
                time.sleep(0.1)
        sender = threading.Thread(target=upload)
        sender.start()
        deadline = time.monotonic() + 60
        while httpx.get(f"{url}/api/progress", headers=headers, timeout=5).json().get("stage") != "embed":
            assert time.monotonic() < deadline and sender.is_alive(), getattr(result.get("response"), "text", result)
            time.sleep(0.1)
        stopped = time.monotonic()
        child.send_signal(signal.SIGTERM)
        _, stderr = child.communicate(timeout=30)
        took = time.monotonic() - stopped
        sender.join(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
    assert took < 10, f"the server took {took:.1f}s to stop"
    assert "Traceback" not in stderr
    assert (tmp_path / "index" / "CURRENT").read_text() == current  # the index as it was
    assert not (tmp_path / "corpus" / "big.txt").exists()  # and no half-ingested file in the corpus
