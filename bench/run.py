"""The measurement behind bench/run: a generated province served by `sunshine serve`, measured
against nginx serving the very same bytes from files, on SQLite and on PostgreSQL, and two nodes
on one PostgreSQL. Writes a Markdown report (bench/RESULTS.md unless --out says otherwise).

Everything runs on this machine: the load generator (wrk), nginx and the nodes share its cores.
"""

import argparse
import http.client
import json
import os
import platform
import random
import re
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
KEY = "b3e4c5d6a7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192"
PASSWORD = "generated-password-1"
PG_ADMIN = os.environ.get("SUNSHINE_BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/test")


def say(*a):
    print(*a, file=sys.stderr, flush=True)


def die(msg, code=2):
    say("bench/run: " + msg)
    sys.exit(code)


# ---------------------------------------------------------------- tools


def check_tools(backends):
    missing = []
    for tool, hint in [
        ("nginx", "apt-get install nginx-light"),
        ("wrk", "apt-get install wrk"),
        ("curl", "apt-get install curl"),
    ]:
        if not shutil.which(tool) and not os.path.exists("/usr/sbin/" + tool):
            missing.append(f"{tool} (install: {hint})")
    if "postgres" in backends:
        if not shutil.which("psql"):
            missing.append("psql (install: apt-get install postgresql-client)")
        host, port = pg_hostport(PG_ADMIN)
        try:
            socket.create_connection((host, port), timeout=3).close()
        except OSError:
            missing.append(
                f"a PostgreSQL server at {host}:{port} (set SUNSHINE_BENCH_PG_URL, "
                "or run with --backends sqlite)"
            )
    if missing:
        die("missing: " + "; ".join(missing))


def pg_hostport(url):
    rest = url.split("://", 1)[1].split("/", 1)[0].split("@")[-1]
    host, _, port = rest.partition(":")
    return host or "127.0.0.1", int(port or 5432)


def nginx_bin():
    return shutil.which("nginx") or "/usr/sbin/nginx"


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


# ---------------------------------------------------------------- HTTP


class Client:
    """One keep-alive connection; times each request in milliseconds."""

    def __init__(self, port):
        self.port = port
        self.c = http.client.HTTPConnection("127.0.0.1", port, timeout=120)

    def request(self, method, path, body=None, headers=None):
        h = dict(headers or {})
        # Only a GET is sent again after a dropped connection (a POST might be done twice).
        for _ in range(2 if method == "GET" else 1):
            try:
                t = time.perf_counter()
                self.c.request(method, path, body=body, headers=h)
                r = self.c.getresponse()
                data = r.read()
                return r.status, data, dict(r.getheaders()), (time.perf_counter() - t) * 1000
            except (http.client.HTTPException, ConnectionError, OSError):
                self.c.close()
                self.c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        raise RuntimeError(f"{method} {path}: no answer")

    def get(self, path, headers=None):
        return self.request("GET", path, headers=headers)

    def json(self, method, path, body, token):
        s, data, _, ms = self.request(
            method,
            path,
            body=json.dumps(body).encode(),
            headers={"Content-Type": "application/json", "Authorization": "Bearer " + token},
        )
        return s, (json.loads(data) if data else None), ms


def pct(values, p):
    if not values:
        return float("nan")
    v = sorted(values)
    k = min(len(v) - 1, max(0, int(round(p / 100 * (len(v) - 1)))))
    return v[k]


def timed(port, paths, repeat=1):
    """Sequential requests over one connection: p50, p99, max in ms; non-200 answers counted."""
    c = Client(port)
    times, bad = [], 0
    for _ in range(repeat):
        for p in paths:
            s, _, _, ms = c.get(p)
            bad += s != 200
            times.append(ms)
    return {"p50": pct(times, 50), "p99": pct(times, 99), "max": max(times), "n": len(times), "bad": bad}


# ---------------------------------------------------------------- wrk


WRK_LIST = """
local paths = {}
local i = 0
local threads = 0
for line in io.lines("%s") do paths[#paths + 1] = line end
-- Each thread starts at its own place in the list: two threads walking it in step would ask
-- for every page twice within a moment, which flatters a cache.
setup = function(thread)
  thread:set("start", threads)
  threads = threads + 1
end
init = function(args)
  i = math.floor((start or 0) * #paths / 2)
end
request = function()
  i = i %% #paths + 1
  return wrk.format("GET", paths[i])
end
"""

WRK_DELAY = """
delay = function() return %d end
"""


def wrk(port, path, seconds, conns, script=None, delay_ms=None, tmp=None):
    args = ["wrk", "-t2", f"-c{conns}", f"-d{seconds}s", "--latency", "--timeout", "10s"]
    lua = ""
    if script:
        lua += WRK_LIST % script
    if delay_ms:
        lua += WRK_DELAY % delay_ms
    if lua:
        f = os.path.join(tmp, f"wrk-{random.randrange(1 << 30)}.lua")
        with open(f, "w") as fh:
            fh.write(lua)
        args += ["-s", f]
    args.append(f"http://127.0.0.1:{port}{path}")
    out = subprocess.run(args, capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    lat = {}
    for p, v, unit in re.findall(r"^\s+(50|75|90|99)%\s+([\d.]+)(us|ms|s)\s*$", out, re.M):
        lat[p] = float(v) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    total = re.search(r"(\d+) requests in", out)
    return {
        "rps": rps,
        "p50": lat.get("50"),
        "p99": lat.get("99"),
        "bad": int(non2xx.group(1)) if non2xx else 0,
        "errors": errors.group(1) if errors else "",
        "n": int(total.group(1)) if total else 0,
    }


# ---------------------------------------------------------------- nginx


NGINX_CONF = """
daemon off;
worker_processes auto;
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 1000000;
    keepalive_timeout 60s;
    open_file_cache max=200000 inactive=60s;
    open_file_cache_valid 60s;
    client_body_temp_path {dir}/tmp;
    proxy_temp_path {dir}/tmp;
    fastcgi_temp_path {dir}/tmp;
    uwsgi_temp_path {dir}/tmp;
    scgi_temp_path {dir}/tmp;
    types {{ }}
    default_type text/html;
    server {{
        listen 127.0.0.1:{port};
        root {dir}/www;
        location /api/ {{ default_type application/json; try_files $uri =404; }}
        location / {{ try_files $uri $uri/index.html =404; }}
    }}
}}
"""


class Nginx:
    """nginx serving files saved from the pages themselves, at the same paths."""

    def __init__(self, tmp):
        self.dir = os.path.join(tmp, "nginx")
        os.makedirs(os.path.join(self.dir, "www"), exist_ok=True)
        os.makedirs(os.path.join(self.dir, "tmp"), exist_ok=True)
        self.port = free_port()
        self.proc = None

    def save(self, path, body):
        rel = urllib.parse.urlsplit(path).path.lstrip("/")
        target = os.path.join(self.dir, "www", rel) if rel else os.path.join(self.dir, "www", "index.html")
        if path.endswith("/") or not rel:
            target = os.path.join(target, "index.html") if rel else target
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "wb") as f:
            f.write(body)

    def start(self):
        conf = os.path.join(self.dir, "nginx.conf")
        with open(conf, "w") as f:
            f.write(NGINX_CONF.format(dir=self.dir, port=self.port))
        self.proc = subprocess.Popen(
            [nginx_bin(), "-c", conf, "-p", self.dir],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for(self.port, "/", self.proc, 10)

    def stop(self):
        if self.proc:
            self.proc.send_signal(signal.SIGQUIT)
            self.proc.wait(10)


def wait_for(port, path, proc, seconds):
    end = time.time() + seconds
    while time.time() < end:
        if proc.poll() is not None:
            raise RuntimeError(f"process on port {port} ended with {proc.returncode}")
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            c.request("GET", path)
            r = c.getresponse()
            r.read()
            if r.status < 500:
                return True
        except OSError:
            pass
        time.sleep(0.02)
    raise RuntimeError(f"nothing answered on port {port} within {seconds} s")


# ---------------------------------------------------------------- sunshine


class Site:
    """A data directory and database filled by `sunshine gen`, and nodes serving it."""

    def __init__(self, binary, backend, tmp, size):
        self.binary, self.backend, self.tmp, self.size = binary, backend, tmp, size
        self.data = os.path.join(tmp, f"data-{backend}")
        os.makedirs(self.data, exist_ok=True)
        self.pg_name = None
        if backend == "postgres":
            self.pg_name = f"sunshine_bench_{os.getpid()}"
            psql(PG_ADMIN, f'DROP DATABASE IF EXISTS "{self.pg_name}"')
            psql(PG_ADMIN, f'CREATE DATABASE "{self.pg_name}"')
            self.url = PG_ADMIN.rsplit("/", 1)[0] + "/" + self.pg_name
        else:
            self.url = "sqlite://" + os.path.join(self.data, "sunshine.db")
        self.nodes = []

    def env(self, data_dir=None, extra=None):
        e = dict(os.environ)
        e.update(
            {
                "SUNSHINE_DATA_DIR": data_dir or self.data,
                "SUNSHINE_DATABASE_URL": self.url,
                "SUNSHINE_DATA_KEY": KEY,
                "SUNSHINE_COOKIE_SECURE": "false",
                "SUNSHINE_LOG": "warn",
                "SUNSHINE_MAX_CONNECTIONS": "4096",
            }
        )
        e.update(extra or {})
        return e

    def run(self, *args):
        t = time.perf_counter()
        out = subprocess.run(
            [self.binary, *args], env=self.env(), capture_output=True, text=True
        )
        if out.returncode != 0:
            raise RuntimeError(f"sunshine {' '.join(args)}: {out.stderr.strip()[-2000:]}")
        return out.stdout, time.perf_counter() - t

    def generate(self):
        u, i, a = self.size
        out, secs = self.run(
            "gen", "--units", str(u), "--items", str(i), "--applications", str(a), "--seed", "2017"
        )
        index = re.search(r"搜索索引已建立，用时 ([\d.]+) 秒", out)
        stages = re.search(r"各阶段：(.*)", out)
        rate = re.search(r"信息连同其索引 (\d+) 条/秒", out)
        return {
            "seconds": secs,
            "index_seconds": float(index.group(1)) if index else None,
            "stages": stages.group(1) if stages else "",
            "items_per_sec": int(rate.group(1)) if rate else None,
        }

    def serve(self, data_dir=None, extra=None):
        port = free_port()
        t = time.perf_counter()
        proc = subprocess.Popen(
            [self.binary, "serve", "--bind", f"127.0.0.1:{port}"],
            env=self.env(data_dir, extra),
            stdout=subprocess.DEVNULL,
            stderr=open(os.path.join(self.tmp, f"serve-{port}.log"), "w"),
        )
        wait_for(port, "/healthz", proc, 120)
        started = time.perf_counter() - t
        self.nodes.append(proc)
        return port, proc, started

    def stop(self, proc):
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
        self.nodes.remove(proc)

    def sql(self, query):
        if self.backend == "sqlite":
            db = sqlite3.connect(f"file:{os.path.join(self.data, 'sunshine.db')}?mode=ro", uri=True)
            try:
                return [tuple(r) for r in db.execute(query).fetchall()]
            finally:
                db.close()
        out = psql(self.url, query)
        return [tuple(line.split("\t")) for line in out.splitlines() if line]

    def sizes(self):
        if self.backend == "sqlite":
            db = sum(
                os.path.getsize(os.path.join(self.data, f))
                for f in os.listdir(self.data)
                if f.startswith("sunshine.db")
            )
        else:
            db = int(self.sql(f"SELECT pg_database_size('{self.pg_name}')")[0][0])
        return db, du(os.path.join(self.data, "search")), du(os.path.join(self.data, "attachments"))

    def close(self):
        for p in list(self.nodes):
            self.stop(p)
        if self.pg_name:
            psql(PG_ADMIN, f'DROP DATABASE IF EXISTS "{self.pg_name}" WITH (FORCE)')


def psql(url, query):
    out = subprocess.run(
        ["psql", "-X", "-q", "-At", "-F", "\t", url, "-c", query],
        capture_output=True,
        text=True,
    )
    if out.returncode != 0:
        raise RuntimeError(f"psql: {out.stderr.strip()}")
    return out.stdout


def du(path):
    total = 0
    for d, _, files in os.walk(path):
        for f in files:
            try:
                total += os.path.getsize(os.path.join(d, f))
            except OSError:
                pass
    return total


def rss_mb(proc):
    """Resident memory in MB: all, the process's own (heap), and file pages mapped (the search
    index and SQLite's memory map: the kernel's page cache, given back under pressure)."""
    got = {}
    with open(f"/proc/{proc.pid}/status") as f:
        for line in f:
            k, _, v = line.partition(":")
            if k in ("VmRSS", "RssAnon", "RssFile"):
                got[k] = int(v.split()[0]) / 1024
    return {"all": got.get("VmRSS", float("nan")), "anon": got.get("RssAnon", float("nan")), "file": got.get("RssFile", float("nan"))}


def token(site, login):
    out, _ = site.run("token", "create", "--login", login, "--days", "1", "--label", "bench")
    return out.strip().split()[-1]


def zipf_sequence(n_items, length, s, rng):
    """Ranks 0..n-1 drawn with probability proportional to 1/(rank+1)^s."""
    weights = [1.0 / (k + 1) ** s for k in range(n_items)]
    return rng.choices(range(n_items), weights=weights, k=length)


# ---------------------------------------------------------------- one backend


def bench_backend(args, binary, backend, tmp, results):
    say(f"== {backend}: generating {args.units} units, {args.items} items, {args.applications} applications")
    site = Site(binary, backend, tmp, (args.units, args.items, args.applications))
    r = results.setdefault(backend, {})
    try:
        r["gen"] = site.generate()
        say(f"   generated in {r['gen']['seconds']:.1f} s")
        port, proc, started = site.serve()
        r["startup"] = started
        say(f"   serving on {port} after {started:.2f} s")
        c = Client(port)

        # What to ask for: published items in a shuffled order; the hot one is the first.
        ids = [int(x[0]) for x in site.sql(
            "SELECT i.id FROM items i JOIN columns c ON c.id = i.column_id "
            "WHERE i.state = 'published' AND i.disclosure = 'active' AND c.hidden = 0 "
            f"ORDER BY i.id LIMIT {args.mix}"
        )]
        if not ids:
            raise RuntimeError("the generated site has no published items")
        rng = random.Random(2017)
        rng.shuffle(ids)
        hot = ids[0]
        s, body, _, _ = c.get(f"/api/v1/items/{hot}")
        if s != 200:
            raise RuntimeError(f"/api/v1/items/{hot} answered {s}")
        item = json.loads(body)
        unit, column = item["unit"], item["column"]
        col_rows = site.sql(
            "SELECT COUNT(*) FROM items i JOIN columns c ON c.id = i.column_id JOIN units u ON u.id = c.unit_id "
            f"WHERE u.code = '{unit}' AND c.slug = '{column}' AND i.state = 'published' AND i.disclosure = 'active'"
        )
        col_items = int(col_rows[0][0])
        # The deep page is in the largest column of the site, half-way down.
        big = site.sql(
            "SELECT u.code, c.slug, COUNT(*) FROM items i JOIN columns c ON c.id = i.column_id "
            "JOIN units u ON u.id = c.unit_id WHERE i.state = 'published' AND i.disclosure = 'active' "
            "AND c.hidden = 0 GROUP BY u.code, c.slug ORDER BY 3 DESC LIMIT 1"
        )[0]
        big_unit, big_col, big_n = big[0], big[1], int(big[2])
        deep = max(1, -(-big_n // 20) // 2)
        pages = {
            "item page": f"/items/{hot}",
            "column page": f"/units/{unit}/columns/{column}",
            "home page": "/",
            "/api/v1/items/{id}": f"/api/v1/items/{hot}",
        }
        r["targets"] = dict(pages, unit=unit, column_items=col_items, big=f"{big_unit}/{big_col}", big_items=big_n)

        # nginx gets the very same bytes at the same paths.
        ng = Nginx(tmp)
        for name, path in pages.items():
            s, body, _, _ = c.get(path)
            if s != 200:
                raise RuntimeError(f"{path} answered {s}")
            ng.save(path, body)
        mix_ids = ids[: args.mix]
        seq = zipf_sequence(len(mix_ids), args.mix_requests, 1.0, rng)
        wanted = sorted(set(seq))
        say(f"   saving {len(wanted)} distinct pages of the Zipf mix for nginx")
        for k in wanted:
            for path in (f"/items/{mix_ids[k]}", f"/api/v1/items/{mix_ids[k]}"):
                s, body, _, _ = c.get(path)
                if s == 200:
                    ng.save(path, body)
        for kind, fmt in (("item", "/items/{}"), ("api", "/api/v1/items/{}")):
            with open(os.path.join(tmp, f"mix-{kind}.txt"), "w") as f:
                for k in seq:
                    f.write(fmt.format(mix_ids[k]) + "\n")
        ng.start()
        try:
            hotr = r["hot"] = {}
            for name, path in pages.items():
                say(f"   wrk {name}")
                hotr[name] = {
                    "sunshine": wrk(port, path, args.seconds, args.conns),
                    "nginx": wrk(ng.port, path, args.seconds, args.conns),
                }
            # p99 at half of the peak: each connection waits between requests.
            # (wrk's delay is whole milliseconds: 2 ms between requests, and as many connections
            # as the target rate needs.)
            peak = hotr["item page"]["sunshine"]["rps"]
            delay = 2
            per_conn = 1000 / (delay + (hotr["item page"]["sunshine"]["p50"] or 0.5))
            conns = max(2, int(round(peak / 2 / per_conn)))
            r["half"] = wrk(port, pages["item page"], args.seconds, conns, delay_ms=delay, tmp=tmp)
            r["half"]["peak"] = peak
            mix = r["mix"] = {}
            for kind, label in (("item", "item page"), ("api", "/api/v1/items/{id}")):
                say(f"   wrk Zipf mix {label}")
                script = os.path.join(tmp, f"mix-{kind}.txt")
                wrk(port, "/", max(1, args.seconds // 2), args.conns, script=script, tmp=tmp)
                mix[label] = {
                    "sunshine": wrk(port, "/", args.seconds, args.conns, script=script, tmp=tmp),
                    "nginx": wrk(ng.port, "/", args.seconds, args.conns, script=script, tmp=tmp),
                }
            r["rss_serving"] = rss_mb(proc)
            # The same mix with a page cache that holds it (a setting, with its memory).
            site.stop(proc)
            port, proc, _ = site.serve(extra={"SUNSHINE_PAGE_CACHE_MB": str(args.big_cache)})
            script = os.path.join(tmp, "mix-item.txt")
            wrk(port, "/", max(1, args.seconds // 2), args.conns, script=script, tmp=tmp)
            r["mix_big"] = {
                "sunshine": wrk(port, "/", args.seconds, args.conns, script=script, tmp=tmp),
                "nginx": mix["item page"]["nginx"],
                "rss": rss_mb(proc),
            }
        finally:
            ng.stop()

        # Search: 1,000 queries from the items' own words, made fresh (no page cache).
        titles = [t[0] for t in site.sql(
            f"SELECT title FROM items WHERE state = 'published' ORDER BY id LIMIT 5000"
        )]
        words = []
        for t in titles:
            for run in re.findall(r"[\u4e00-\u9fff]{2,}", t):
                if len(run) >= 2:
                    k = rng.randrange(0, len(run) - 1)
                    words.append(run[k : k + rng.choice([2, 2, 3, 4])])
        queries = [rng.choice(words) for _ in range(args.queries)]
        if len(queries) > 1:
            queries[1::3] = [q + " " + rng.choice(words) for q in queries[1::3]]
        site.stop(proc)

        # Uncached: the listings, search and staff views as the database and index answer them.
        port, proc, started2 = site.serve(extra={"SUNSHINE_PAGE_CACHE_MB": "0"})
        r["startup_again"] = started2
        c = Client(port)
        lst = r["listings"] = {}
        lst["home page"] = timed(port, ["/"], args.samples)
        lst["unit page"] = timed(port, [f"/units/{unit}"], args.samples)
        lst["column page"] = timed(port, [pages["column page"]], args.samples)
        lst[f"largest column ({big_n:,} items), page {deep}"] = timed(
            port, [f"/units/{big_unit}/columns/{big_col}?page={deep}"], args.samples
        )
        lst["catalog of the unit"] = timed(port, [f"/units/{unit}/catalog"], args.samples)
        lst["/api/v1/items?unit="] = timed(port, [f"/api/v1/items?unit={unit}"], args.samples)
        lst[f"/api/v1/items?unit=&page={deep}, the largest column's unit"] = timed(
            port, [f"/api/v1/items?unit={big_unit}&page={deep}"], args.samples
        )
        lst["item page"] = timed(port, [f"/items/{i}" for i in ids[: args.samples]])
        r["search"] = timed(port, ["/api/v1/search?q=" + urllib.parse.quote(q) for q in queries])
        r["search_page"] = timed(port, ["/search?q=" + urllib.parse.quote(q) for q in queries[:200]])

        # Staff views: the province's supervision view; annual reports.
        year = time.gmtime().tm_year - 1
        root = [u for u in json.loads(c.get("/api/v1/units")[1]) if not u.get("parent")][0]["code"]
        r["root"] = root
        b = login(port, "admin")
        sup = []
        for _ in range(max(3, args.samples // 20)):
            t = time.perf_counter()
            s, _ = b.page("/admin/supervision")
            if s != 200:
                raise RuntimeError(f"/admin/supervision answered {s}")
            sup.append((time.perf_counter() - t) * 1000)
        r["supervision"] = {"p50": pct(sup, 50), "max": max(sup), "n": len(sup)}
        r["rss_after"] = rss_mb(proc)
        _, t_unit = site.run("report", "generate", "--unit", unit, "--year", str(year), "--format", "json")
        _, t_prov = site.run("report", "generate", "--unit", root, "--year", str(year), "--format", "json", "--aggregate")
        r["report_unit"], r["report_province"] = t_unit, t_prov
        r["sizes"] = site.sizes()
        site.stop(proc)

        if backend == "postgres" and args.two_nodes:
            r["nodes"] = two_nodes(args, site, unit, column, tmp)
    finally:
        site.close()


class Browser:
    """A staff session over one connection (cookie and CSRF token kept)."""

    def __init__(self, port):
        self.c = Client(port)
        self.cookie = ""

    def page(self, path):
        s, body, h, _ = self.c.get(path, headers={"Cookie": self.cookie})
        self._keep(h)
        return s, body.decode("utf-8", "replace")

    def post(self, path, fields):
        s, body, h, _ = self.c.request(
            "POST",
            path,
            body=urllib.parse.urlencode(fields).encode(),
            headers={"Cookie": self.cookie, "Content-Type": "application/x-www-form-urlencoded"},
        )
        self._keep(h)
        return s, body.decode("utf-8", "replace")

    def _keep(self, h):
        for k, v in h.items():
            if k.lower() == "set-cookie":
                self.cookie = v.split(";")[0]


def login(port, name):
    b = Browser(port)
    _, html = b.page("/admin/login")
    csrf = re.search(r'name="csrf" value="([^"]+)"', html).group(1)
    s, _ = b.post("/admin/login", {"csrf": csrf, "login": name, "password": PASSWORD, "next": "/admin"})
    if s not in (200, 303):
        raise RuntimeError(f"sign-in as {name}: {s}")
    return b


def two_nodes(args, site, unit, column, tmp):
    """Two nodes on one PostgreSQL: combined throughput, and a publication on A seen on B."""
    say("== two nodes on one PostgreSQL")
    data_b = os.path.join(tmp, "data-b")
    shutil.copytree(os.path.join(site.data, "search"), os.path.join(data_b, "search"))
    pa, proc_a, _ = site.serve()
    pb, proc_b, _ = site.serve(data_dir=data_b)
    out = {}
    mix = os.path.join(tmp, "mix-item.txt")
    # One load generator, one thread per node.
    procs = [
        subprocess.Popen(
            ["wrk", "-t1", f"-c{args.conns // 2}", f"-d{args.seconds}s", "-s", lua_for(mix, tmp), f"http://127.0.0.1:{p}/"],
            stdout=subprocess.PIPE,
            text=True,
        )
        for p in (pa, pb)
    ]
    rates = []
    for p in procs:
        o = p.communicate()[0]
        rates.append(float(re.search(r"Requests/sec:\s+([\d.]+)", o).group(1)))
    out["combined_rps"] = sum(rates)
    out["per_node"] = rates
    single = wrk(pa, "/", args.seconds, args.conns, script=mix, tmp=tmp)
    out["one_node_rps"] = single["rps"]

    editor, director = token(site, f"{unit}-editor"), token(site, f"{unit}-director")
    ca, cb = Client(pa), Client(pb)
    seen_page, seen_search, seen_list = [], [], []
    for n in range(args.publishes):
        word = "".join(random.Random(n + 7).choice("甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳午未申酉") for _ in range(6))
        s, it, _ = ca.json(
            "POST",
            "/api/v1/items",
            {
                "unit": unit,
                "column": column,
                "title": f"关于{word}事项的通知",
                "body_html": f"<p>{word}事项的办理时间和地点另行通知。</p>",
                "prereview": {"mode": "政府网站", "scope": "社会公众", "time_limit": "长期公开"},
            },
            editor,
        )
        if s not in (200, 201):
            raise RuntimeError(f"create on node A: {s} {it}")
        iid = it["id"]
        for step, tok in (("submit", editor), ("approve", director)):
            s, body, _ = ca.json("POST", f"/api/v1/items/{iid}/{step}", {}, tok)
            if s != 200:
                raise RuntimeError(f"{step} on node A: {s} {body}")
        # B has answered for the item before (not found), and its column page is in B's cache:
        # both answers must change.
        col_path = f"/units/{unit}/columns/{column}"
        cb.get(f"/items/{iid}")
        cb.get(col_path)
        cb.get(col_path)
        s, body, _ = ca.json("POST", f"/api/v1/items/{iid}/publish", {}, director)
        if s != 200:
            raise RuntimeError(f"publish on node A: {s} {body}")
        t0 = time.perf_counter()
        page_at = search_at = list_at = None
        q = urllib.parse.quote(word)
        while time.perf_counter() - t0 < 30 and None in (page_at, search_at, list_at):
            if page_at is None and cb.get(f"/items/{iid}")[0] == 200:
                page_at = time.perf_counter() - t0
            if list_at is None and word in cb.get(col_path)[1].decode():
                list_at = time.perf_counter() - t0
            if search_at is None:
                s, body, _, _ = cb.get(f"/api/v1/search?q={q}")
                if s == 200 and str(iid) in body.decode():
                    search_at = time.perf_counter() - t0
            time.sleep(0.005)
        seen_list.append(list_at if list_at is not None else float("inf"))
        seen_page.append(page_at if page_at is not None else float("inf"))
        seen_search.append(search_at if search_at is not None else float("inf"))
    out["visible_page"] = seen_page
    out["visible_list"] = seen_list
    out["visible_search"] = seen_search
    site.stop(proc_a)
    site.stop(proc_b)
    return out


def lua_for(listfile, tmp):
    f = os.path.join(tmp, f"wrk-{random.randrange(1 << 30)}.lua")
    with open(f, "w") as fh:
        fh.write(WRK_LIST % listfile)
    return f


# ---------------------------------------------------------------- report


def fmt_ms(v):
    if v is None or v != v:
        return "–"
    return f"{v:.2f}" if v < 10 else f"{v:.1f}" if v < 100 else f"{v:.0f}"


def rss(m):
    return f"{m['all']:.0f} MB resident ({m['anon']:.0f} MB its own, {m['file']:.0f} MB mapped files)"


def mb(b):
    return f"{b / 1024 / 1024:,.0f} MB" if b >= 10 * 1024 * 1024 else f"{b / 1024 / 1024:.1f} MB"


def report(args, results, started):
    machine = f"{os.cpu_count()} cores, {round(os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30)} GiB, {platform.system()} {platform.release()}"
    wrk_v = subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout.splitlines()[:1]
    ngx_v = subprocess.run([nginx_bin(), "-v"], capture_output=True, text=True).stderr.strip()
    L = []
    L.append("# Benchmark results\n")
    L.append(f"Written by `bench/run {' '.join(sys.argv[1:])}` on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime(started))}; "
             f"machine: {machine}; load generator, nginx and the nodes on the same cores. "
             f"Size: {args.units:,} units, {args.items:,} items, {args.applications:,} applications. "
             f"wrk `-t2 -c{args.conns} -d{args.seconds}s` ({(wrk_v or ['wrk'])[0].split(' [')[0]}); {ngx_v} serving the same bytes from files "
             f"(`sendfile`, `open_file_cache`). Binary: {args.profile}.\n")
    for backend, r in results.items():
        if "hot" not in r:
            continue
        L.append(f"## {'SQLite' if backend == 'sqlite' else 'PostgreSQL'}\n")
        g = r["gen"]
        L.append(f"Generated in {g['seconds']:.1f} s ({g['stages']}; items with their indexes "
                 f"{g['items_per_sec'] or 0:,}/s; search index {g['index_seconds'] or 0:.1f} s). "
                 f"Start-up to serving: {r['startup']:.2f} s (again, cache off: {r['startup_again']:.2f} s). "
                 f"Resident memory while serving (default 64 MB page cache), after the load runs: {rss(r['rss_serving'])}; "
                 f"after the uncached runs: {rss(r['rss_after'])}. On disk: database {mb(r['sizes'][0])}, "
                 f"search index {mb(r['sizes'][1])}, attachments {mb(r['sizes'][2])}.\n")
        L.append("| page | Sunshine req/s | p50 ms | p99 ms | nginx req/s | p50 ms | p99 ms | ratio |")
        L.append("|---|---:|---:|---:|---:|---:|---:|---:|")
        for label, group in (("hot", r["hot"]), ("Zipf mix", r["mix"])):
            for name, v in group.items():
                s, n = v["sunshine"], v["nginx"]
                bad = f" ({s['bad']} not 200)" if s["bad"] else ""
                L.append(f"| {name}, {label}{bad} | {s['rps']:,.0f} | {fmt_ms(s['p50'])} | {fmt_ms(s['p99'])} | "
                         f"{n['rps']:,.0f} | {fmt_ms(n['p50'])} | {fmt_ms(n['p99'])} | {s['rps'] / n['rps']:.2f}× |")
        mb_ = r["mix_big"]
        L.append(f"| item page, Zipf mix, page_cache_mb={args.big_cache} | {mb_['sunshine']['rps']:,.0f} | {fmt_ms(mb_['sunshine']['p50'])} | "
                 f"{fmt_ms(mb_['sunshine']['p99'])} | {mb_['nginx']['rps']:,.0f} | {fmt_ms(mb_['nginx']['p50'])} | {fmt_ms(mb_['nginx']['p99'])} | "
                 f"{mb_['sunshine']['rps'] / mb_['nginx']['rps']:.2f}× |")
        L.append(f"\nWith page_cache_mb={args.big_cache} the node held {rss(mb_['rss'])}.")
        h = r["half"]
        L.append(f"\nItem page at about half of its peak ({h['peak']:,.0f} req/s; paced by wrk's delay): {h['rps']:,.0f} req/s, "
                 f"p50 {fmt_ms(h['p50'])} ms, p99 {fmt_ms(h['p99'])} ms.\n")
        L.append(f"Uncached (page cache off), one client in sequence; unit `{r['targets']['unit']}`, "
                 f"its column of {r['targets']['column_items']:,} items:\n")
        L.append("| what | p50 ms | p99 ms | max ms | requests |")
        L.append("|---|---:|---:|---:|---:|")
        for name, v in r["listings"].items():
            L.append(f"| {name} | {fmt_ms(v['p50'])} | {fmt_ms(v['p99'])} | {fmt_ms(v['max'])} | {v['n']}{' (' + str(v['bad']) + ' not 200)' if v['bad'] else ''} |")
        for name, v in (("search `/api/v1/search`", r["search"]), ("search page `/search`", r["search_page"])):
            L.append(f"| {name} | {fmt_ms(v['p50'])} | {fmt_ms(v['p99'])} | {fmt_ms(v['max'])} | {v['n']} |")
        sv = r["supervision"]
        L.append(f"| supervision view `/admin/supervision` (province) | {fmt_ms(sv['p50'])} | – | {fmt_ms(sv['max'])} | {sv['n']} |")
        L.append(f"\nAnnual report (`sunshine report generate`, whole command): one unit {r['report_unit'] * 1000:.0f} ms; "
                 f"the province aggregated (`--aggregate` over every unit) {r['report_province'] * 1000:.0f} ms.\n")
        if "nodes" in r:
            n = r["nodes"]
            L.append("Two nodes on one PostgreSQL (Zipf mix of item pages, one wrk thread per node): "
                     f"combined {n['combined_rps']:,.0f} req/s ({' + '.join(f'{x:,.0f}' for x in n['per_node'])}); "
                     f"one node alone {n['one_node_rps']:,.0f} req/s. Publication on node A (API) to node B: "
                     f"item page (not in B's cache before) {', '.join(f'{x * 1000:.0f}' for x in n['visible_page'])} ms; "
                     f"the column page B had cached {', '.join(f'{x * 1000:.0f}' for x in n['visible_list'])} ms; search result "
                     f"{', '.join(f'{x * 1000:.0f}' for x in n['visible_search'])} ms.\n")
    with open(args.out, "w") as f:
        f.write("\n".join(L) + "\n")
    say(f"written: {args.out}")


def main():
    p = argparse.ArgumentParser(prog="bench/run", description=__doc__.splitlines()[0])
    p.add_argument("--units", type=int, default=2000)
    p.add_argument("--items", type=int, default=1_000_000)
    p.add_argument("--applications", type=int, default=100_000)
    p.add_argument("--backends", default="sqlite,postgres")
    p.add_argument("--seconds", type=int, default=10, help="each wrk run")
    p.add_argument("--conns", type=int, default=32)
    p.add_argument("--mix", type=int, default=100_000, help="items in the Zipf mix")
    p.add_argument("--mix-requests", type=int, default=200_000)
    p.add_argument("--queries", type=int, default=1000)
    p.add_argument("--samples", type=int, default=200, help="requests per uncached listing")
    p.add_argument("--publishes", type=int, default=5)
    p.add_argument("--big-cache", type=int, default=1024, help="page_cache_mb of the second Zipf run")
    p.add_argument("--no-two-nodes", dest="two_nodes", action="store_false")
    p.add_argument("--binary", required=True)
    p.add_argument("--profile", default="release")
    p.add_argument("--out", default=os.path.join(ROOT, "bench", "RESULTS.md"))
    args = p.parse_args()
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    bad = [b for b in backends if b not in ("sqlite", "postgres")]
    if bad or not backends:
        die(f"--backends takes sqlite, postgres or both, not {args.backends!r}")
    for name in ("units", "items", "applications", "seconds", "conns", "mix", "mix_requests", "queries", "samples"):
        if getattr(args, name) < 1:
            die(f"--{name.replace('_', '-')} must be at least 1")
    if args.conns < 2:
        die("--conns must be at least 2 (wrk runs two threads)")
    check_tools(backends)
    started = time.time()
    results = {}
    tmp = tempfile.mkdtemp(prefix="sunshine-bench-")
    try:
        for b in backends:
            bench_backend(args, args.binary, b, tmp, results)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    report(args, results, started)


if __name__ == "__main__":
    main()
