"""The measurement behind bench/logins: 50 concurrent wrong sign-ins, a public page meanwhile."""
import http.client
import json
import re
import statistics
import sys
import threading
import time
import urllib.parse

PORT = int(sys.argv[1])
SCENARIO = sys.argv[2]


def conn():
    return http.client.HTTPConnection("127.0.0.1", PORT, timeout=60)


def login_form():
    c = conn()
    c.request("GET", "/admin/login")
    r = c.getresponse()
    body = r.read().decode()
    cookie = r.getheader("Set-Cookie").split(";")[0]
    csrf = re.search(r'name="csrf" value="([^"]+)"', body).group(1)
    return cookie, csrf


def seed_item():
    c = conn()
    c.request("GET", "/api/v1/items?unit=tuoan&column=annual-report")
    items = json.loads(c.getresponse().read())["items"]
    return [i["id"] for i in items if "2017年" in i["title"]][0]


def reader(path, stop, out):
    c = conn()
    while not stop.is_set():
        t = time.perf_counter()
        c.request("GET", path)
        r = c.getresponse()
        r.read()
        out.append((time.perf_counter() - t) * 1000)


def attempt(cookie, csrf, login, out):
    c = conn()
    body = urllib.parse.urlencode({"csrf": csrf, "login": login, "password": "wrong-password-x"})
    c.request("POST", "/admin/login", body,
              {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie})
    r = c.getresponse()
    r.read()
    out.append(r.status)


def pct(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, int(len(v) * p))]


def scenario(name, logins):
    cookie, csrf = login_form()
    page = f"/items/{seed_item()}"
    base = []
    stop = threading.Event()
    t = threading.Thread(target=reader, args=(page, stop, base))
    t.start()
    time.sleep(1.0)
    stop.set()
    t.join()
    during = []
    stop = threading.Event()
    t = threading.Thread(target=reader, args=(page, stop, during))
    t.start()
    statuses = []
    threads = [threading.Thread(target=attempt, args=(cookie, csrf, l, statuses)) for l in logins]
    start = time.perf_counter()
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    burst = (time.perf_counter() - start) * 1000
    time.sleep(0.2)
    stop.set()
    t.join()
    counts = {s: statuses.count(s) for s in sorted(set(statuses))}
    print(f"== {name}: {len(logins)} simultaneous wrong sign-ins, answered in {burst:.0f} ms")
    print(f"   answers by status: {counts}")
    print(f"   public page before: {len(base)} loads, median {statistics.median(base):.1f} ms, "
          f"p99 {pct(base, 0.99):.1f} ms, max {max(base):.1f} ms")
    print(f"   public page during: {len(during)} loads, median {statistics.median(during):.1f} ms, "
          f"p99 {pct(during, 0.99):.1f} ms, max {max(during):.1f} ms")
    bad = [s for s in statuses if s not in (401, 429)]
    return not bad and max(during) < 100


if SCENARIO == "one":
    ok = scenario("one login name", ["tuoan-editor"] * 50)
else:
    ok = scenario("fifty login names", [f"guess-{i}" for i in range(50)])
print("   result:", "every answer 401 or 429; the public page within 100 ms" if ok else "NOT MET")
