"""Asset fetching against a local HTTP server that fails, drops connections and honours Range."""
import hashlib
import io
import tarfile
import threading
import zipfile
from pathlib import Path
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from typer.testing import CliRunner

from lexloom.cli import app
from lexloom.errors import DataError
from lexloom.project import Source, load_project
from lexloom.project.assets import download, extract_archive, fetch_assets, fetch_url

PAYLOAD = bytes(range(256)) * 400  # 100 KiB, so a cut response really is partial
PAYLOAD_SHA = hashlib.sha256(PAYLOAD).hexdigest()


class FlakyHandler(BaseHTTPRequestHandler):
    """Serves `server.payload`; the first `server.fail_first` requests get 503, the next
    `server.cut_first` get half the body and a closed connection, and Range is honoured
    unless `server.ignore_range`."""

    def do_GET(self):
        server = self.server
        server.requests.append(self.headers.get("Range"))
        if self.path != "/data.bin":
            self.send_error(404)
            return
        if server.fail_first > 0:
            server.fail_first -= 1
            self.send_error(503)
            return
        body, status = server.payload, 200
        range_header = self.headers.get("Range")
        if range_header and not server.ignore_range:
            start = int(range_header.removeprefix("bytes=").rstrip("-"))
            if start >= len(body):
                self.send_error(416)
                return
            body, status = body[start:], 206
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        if status == 206:
            self.send_header("Content-Range", f"bytes {start}-{len(server.payload) - 1}/{len(server.payload)}")
        self.end_headers()
        if server.cut_first > 0:
            server.cut_first -= 1
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), FlakyHandler)
    httpd.payload, httpd.fail_first, httpd.cut_first, httpd.ignore_range, httpd.requests = PAYLOAD, 0, 0, False, []
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    httpd.url = f"http://127.0.0.1:{httpd.server_address[1]}/data.bin"
    yield httpd
    httpd.shutdown()
    httpd.server_close()


def test_retries_after_server_errors(server, tmp_path):
    server.fail_first = 2
    dest = tmp_path / "data.bin"
    assert download(server.url, dest, sha256=PAYLOAD_SHA, backoff=0) == PAYLOAD_SHA
    assert dest.read_bytes() == PAYLOAD
    assert len(server.requests) == 3


def test_gives_up_after_retries_and_keeps_no_dest(server, tmp_path):
    server.fail_first = 10
    dest = tmp_path / "data.bin"
    with pytest.raises(DataError, match="download failed after 3 attempts: HTTP 503"):
        download(server.url, dest, sha256=PAYLOAD_SHA, retries=2, backoff=0)
    assert not dest.exists()
    assert len(server.requests) == 3


def test_cut_response_resumes_with_range(server, tmp_path):
    server.cut_first = 1
    dest = tmp_path / "data.bin"
    download(server.url, dest, sha256=PAYLOAD_SHA, backoff=0)
    assert dest.read_bytes() == PAYLOAD
    assert server.requests == [None, f"bytes={len(PAYLOAD) // 2}-"]
    assert not (tmp_path / "data.bin.part").exists()


def test_resumes_partial_file_from_earlier_run(server, tmp_path):
    dest = tmp_path / "data.bin"
    (tmp_path / "data.bin.part").write_bytes(PAYLOAD[:1000])
    download(server.url, dest, sha256=PAYLOAD_SHA, backoff=0)
    assert dest.read_bytes() == PAYLOAD
    assert server.requests == ["bytes=1000-"]


def test_server_ignoring_range_restarts_the_file(server, tmp_path):
    server.ignore_range = True
    dest = tmp_path / "data.bin"
    (tmp_path / "data.bin.part").write_bytes(b"stale bytes")
    download(server.url, dest, sha256=PAYLOAD_SHA, backoff=0)
    assert dest.read_bytes() == PAYLOAD


def test_checksum_mismatch_leaves_nothing_and_keeps_old_file(server, tmp_path):
    dest = tmp_path / "data.bin"
    dest.write_bytes(b"previous version")
    wrong = "0" * 64
    with pytest.raises(DataError, match=f"sha256 mismatch: expected {wrong}, got {PAYLOAD_SHA}; the download was deleted"):
        download(server.url, dest, sha256=wrong, backoff=0)
    assert dest.read_bytes() == b"previous version"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data.bin"]


def test_missing_file_is_not_retried(server, tmp_path):
    with pytest.raises(DataError, match="HTTP 404"):
        download(server.url.replace("data.bin", "nope.bin"), tmp_path / "x", backoff=0)
    assert len(server.requests) == 1


def test_up_to_date_file_is_not_downloaded_again(server, tmp_path):
    dest = tmp_path / "data.bin"
    dest.write_bytes(PAYLOAD)
    fetched = fetch_url(Source(url=server.url, sha256=PAYLOAD_SHA), dest, backoff=0)
    assert fetched.action == "up to date" and server.requests == []


def _tar_bytes(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tf:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def test_downloaded_archive_is_unpacked_into_dest(server, tmp_path):
    archive = _tar_bytes({"corpus/train.txt": b"hello", "README": b"read me"})
    server.payload = archive
    dest = tmp_path / "unpacked"
    fetched = fetch_url(Source(url=server.url, sha256=hashlib.sha256(archive).hexdigest(), extract=True), dest, backoff=0)
    assert fetched.verified
    assert (dest / "corpus" / "train.txt").read_bytes() == b"hello"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["unpacked"]


@pytest.mark.parametrize("member", ["../escape.txt", "/etc/evil.txt", "ok/../../escape.txt"])
def test_archive_members_outside_dest_are_refused(tmp_path, member):
    archive = tmp_path / "bad.tar.gz"
    archive.write_bytes(_tar_bytes({"fine.txt": b"x", member: b"evil"}))
    with pytest.raises(DataError, match="outside the destination folder"):
        extract_archive(archive, tmp_path / "out")
    assert not (tmp_path / "out").exists() and not (tmp_path / "escape.txt").exists()


def test_zip_member_outside_dest_is_refused(tmp_path):
    archive = tmp_path / "bad.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("../escape.txt", "evil")
    with pytest.raises(DataError, match=r"bad.zip: archive member '../escape.txt'"):
        extract_archive(archive, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_fetch_assets_copies_bundled_and_downloads_urls(server, tmp_path):
    (tmp_path / "bundled").mkdir()
    (tmp_path / "bundled" / "train.txt").write_text("bundled text", encoding="utf8")
    (tmp_path / "project.yml").write_text(
        f"""
vars: {{dataset: sample}}
assets:
  - dest: assets/downloads/train.txt
    sample: {{path: bundled/train.txt}}
    full: {{path: bundled/train.txt}}
  - dest: assets/downloads/data.bin
    sample: {{url: "{server.url}", sha256: {PAYLOAD_SHA}}}
    full: {{url: "{server.url}"}}
stages:
  noop: {{cmd: "true", deps: [assets/downloads/train.txt]}}
""",
        encoding="utf8",
    )
    project = load_project(tmp_path / "project.yml")
    results = fetch_assets(project, backoff=0)
    assert [(r.dest.name, r.action, r.verified) for r in results] == [("train.txt", "copied", False), ("data.bin", "downloaded", True)]
    assert (tmp_path / "assets/downloads/train.txt").read_text() == "bundled text"
    assert (tmp_path / "assets/downloads/data.bin").read_bytes() == PAYLOAD
    # `full` has no sha256: it still downloads, and reports the digest to pin
    unverified = fetch_assets(project, "full", backoff=0)[1]
    assert unverified.action == "downloaded" and not unverified.verified and unverified.sha256 == PAYLOAD_SHA


def test_missing_bundled_asset_is_named(tmp_path):
    (tmp_path / "project.yml").write_text(
        "vars: {dataset: sample}\nassets:\n  - dest: assets/downloads/a.txt\n    sample: {path: nowhere/a.txt}\n"
        "stages:\n  noop: {cmd: 'true'}\n",
        encoding="utf8",
    )
    with pytest.raises(DataError, match=r"nowhere/a.txt: bundled asset not found"):
        fetch_assets(load_project(tmp_path / "project.yml"))


def test_cli_fetches_the_chosen_dataset(tmp_path):
    (tmp_path / "a.txt").write_text("sample", encoding="utf8")
    (tmp_path / "b.txt").write_text("full", encoding="utf8")
    (tmp_path / "project.yml").write_text(
        "vars: {dataset: sample}\nassets:\n  - dest: assets/downloads/x.txt\n    sample: {path: a.txt}\n    full: {path: b.txt}\n"
        "stages:\n  noop: {cmd: 'true'}\n",
        encoding="utf8",
    )
    runner = CliRunner()
    result = runner.invoke(app, ["project", "assets", "-p", str(tmp_path / "project.yml"), "--dataset", "full"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "assets/downloads/x.txt").read_text() == "full"
    result = runner.invoke(app, ["project", "assets", "-p", str(tmp_path / "project.yml"), "--dataset", "huge"])
    assert result.exit_code == 1 and "unknown dataset 'huge'" in str(result.exception or result.output)


class ReleaseHandler(BaseHTTPRequestHandler):
    """Serves `server.files` (path -> bytes), as a treebank's release on GitHub does; 404 otherwise."""

    def do_GET(self):
        body = self.server.files.get(self.path)
        if body is None:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_full_dataset_fetches_any_ud_treebank_by_its_name(tmp_path):
    """project.yml's own UD assets, `treebank: UD_Spanish-GSD`, `dataset: full`: the release's file names follow."""
    import yaml

    root = Path(__file__).resolve().parents[1]
    sample = root / "assets" / "sample" / "UD_Spanish-GSD"
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), ReleaseHandler)
    httpd.files = {f"/UD_Spanish-GSD/r2.16/es_gsd-ud-{split}.conllu": (sample / f"es_gsd-ud-{split}.conllu").read_bytes() for split in ("train", "dev")}
    threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    try:
        raw = yaml.safe_load((root / "project.yml").read_text(encoding="utf8"))
        ud_only = {
            "vars": raw["vars"],
            "assets": [a for a in raw["assets"] if a["dest"].startswith("assets/downloads/ud/")],
            "stages": {"noop": {"cmd": "true", "deps": ["assets/downloads/ud/train.conllu"]}},
        }
        assert len(ud_only["assets"]) == 2
        (tmp_path / "project.yml").write_text(yaml.safe_dump(ud_only), encoding="utf8")
        server = f"http://127.0.0.1:{httpd.server_address[1]}"
        result = CliRunner().invoke(app, ["project", "assets", "-p", str(tmp_path / "project.yml"), "--dataset", "full",
                                          "--set", "treebank=UD_Spanish-GSD", "--set", f"ud_url={server}", "--retries", "0"])
        assert result.exit_code == 0, result.output
        for split in ("train", "dev"):
            assert (tmp_path / "assets" / "downloads" / "ud" / f"{split}.conllu").read_bytes() == (sample / f"es_gsd-ud-{split}.conllu").read_bytes()
        # a treebank the release does not have is a clear error, not a half-written file
        result = CliRunner().invoke(app, ["project", "assets", "-p", str(tmp_path / "project.yml"), "--dataset", "full",
                                          "--set", "treebank=UD_German-GSD", "--set", f"ud_url={server}", "--retries", "0"])
        assert result.exit_code == 1 and "404" in str(result.exception or result.output)
        assert "de_gsd-ud-train.conllu" in str(result.exception or result.output)
    finally:
        httpd.shutdown()
        httpd.server_close()
