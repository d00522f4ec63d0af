"""The measurement behind bench/bomb."""
import http.cookiejar
import json
import re
import sys
import urllib.parse
import urllib.request
import uuid
import zlib

PORT, PID = sys.argv[1], sys.argv[2]
BASE = f"http://127.0.0.1:{PORT}"


def rss(field):
    for line in open(f"/proc/{PID}/status"):
        if line.startswith(field):
            return int(line.split()[1]) // 1024
    return 0


def pdf_bomb(inflated, fill=b" "):
    content = b"BT /F1 12 Tf (Notice) Tj ET\n" + fill * (inflated // len(fill))
    packed = zlib.compress(content, 9)
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /Contents 4 0 R >>",
        b"<< /Filter /FlateDecode /Length %d >>\nstream\n" % len(packed) + packed + b"\nendstream",
    ]
    out = b"%PDF-1.5\n"
    offsets = []
    for i, o in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + o + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    return out


jar = http.cookiejar.CookieJar()
web = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))


def csrf(path):
    return re.search(r'name="csrf" value="([^"]+)"', web.open(BASE + path).read().decode()).group(1)


def post(path, fields):
    data = urllib.parse.urlencode(fields).encode()
    return web.open(BASE + path, data)


post("/admin/login", {"csrf": csrf("/admin/login"), "login": "tuoan-editor",
                      "password": "bench-password", "next": "/admin"})
r = post("/admin/units/tuoan/items", {
    "csrf": csrf("/admin/units/tuoan/items/new"), "column": "notices", "title": "解压炸弹测试",
    "body": "正文", "body_format": "text", "importance": "general", "validity": "valid",
    "disclosure": "active", "pr_mode": "政府网站", "pr_scope": "社会公众", "pr_time_limit": "长期"})
item = int(re.search(r"/admin/items/(\d+)", r.geturl()).group(1))
import os
FILL = os.environ.get("FILL", " ").encode()
MB = float(os.environ.get("MB", "30"))
bomb = pdf_bomb(int(MB * 1024 * 1024), FILL.replace(b"\\n", b"\n"))
token = csrf(f"/admin/items/{item}")
boundary = uuid.uuid4().hex
body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{token}\r\n"
        f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"bomb.pdf\"\r\n"
        f"Content-Type: application/pdf\r\n\r\n").encode() + bomb + f"\r\n--{boundary}--\r\n".encode()
before = rss("VmHWM")
req = urllib.request.Request(BASE + f"/admin/items/{item}/attachments", body,
                             {"Content-Type": f"multipart/form-data; boundary={boundary}"})
web.open(req).read()
post(f"/admin/items/{item}/review/submit", {"csrf": csrf(f"/admin/items/{item}")})
page = web.open(BASE + f"/admin/items/{item}").read().decode()
after = rss("VmHWM")
print(f"bomb: {len(bomb) // 1024} KB file, page content inflating to {MB} MB of {FILL!r}")
print(f"server peak resident memory: {before} MB before the upload, {after} MB after screening")
print("finding:", "未能完整筛查的附件 (blocking)" if "未能完整筛查" in page else "none")
