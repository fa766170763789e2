"""The multi-server recipe, run on one machine: PostgreSQL (conversations), Redis (conversation locks),
one action server, several Rasa servers, and nginx in front serving the web page and sticky Socket.IO.

    python -m deploy.cluster [--port 8080] [--rasa 2] [--state var/cluster]   (make cluster)

Everything listens on loopback; PostgreSQL and Redis are Debian's (scripts/install.sh system-test).
The tests (tests/e2e/test_cluster.py) start the same set-up through `Cluster`.
"""
from __future__ import annotations

import argparse
import os
import secrets
import shutil
import subprocess
import time
from pathlib import Path
from string import Template

from deploy.processes import PROJECT, Server, action_server, free_port, rasa_server, tcp_ready
from web.site import content_security_policy

PG_BIN = Path("/usr/lib/postgresql/15/bin")
DEPLOY = PROJECT / "deploy"


def _as_postgres(command: list[str]) -> list[str]:
    # PostgreSQL refuses to run as root; on a machine where we are root, use its own system user.
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


class Cluster:
    def __init__(self, state: Path, port: int, rasa_count: int = 2):
        self.state, self.port = state.resolve(), port
        self.logs = self.state / "logs"
        self.pg_port, self.redis_port, self.actions_port = free_port(), free_port(), free_port()
        self.rasa_ports = [free_port() for _ in range(rasa_count)]
        self.secrets = self._secrets()
        self.servers: dict[str, Server] = {}

    @property
    def url(self) -> str:
        return f"http://localhost:{self.port}"

    def _secrets(self) -> dict[str, str]:
        """Passwords made on first start and kept with the data (the state folder is the owner's alone)."""
        path = self.state / "secrets.env"
        if not path.exists():
            self.state.mkdir(parents=True, exist_ok=True)
            with os.fdopen(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600), "w") as file:  # never readable by others
                file.write(f"POSTGRES_PASSWORD={secrets.token_hex(16)}\nREDIS_PASSWORD={secrets.token_hex(16)}\n")
        return dict(line.split("=", 1) for line in path.read_text().split())

    def rasa_env(self) -> dict[str, str]:
        return {"ACTION_ENDPOINT_URL": f"http://localhost:{self.actions_port}/webhook",
                "POSTGRES_HOST": "127.0.0.1", "POSTGRES_PORT": str(self.pg_port), "POSTGRES_DB": "rasa",
                "POSTGRES_USER": "rasa", "POSTGRES_PASSWORD": self.secrets["POSTGRES_PASSWORD"],
                "REDIS_HOST": "127.0.0.1", "REDIS_PORT": str(self.redis_port),
                "REDIS_PASSWORD": self.secrets["REDIS_PASSWORD"],
                "WEB_ORIGINS": f"{self.url},http://127.0.0.1:{self.port}",
                # A server that dies mid-turn holds its conversation's lock until this runs out (Rasa: 60 s).
                "TICKET_LOCK_LIFETIME": "15"}

    # --- the parts -------------------------------------------------------------------------------

    def _postgres(self) -> Server:
        data, sockets = self.state / "postgres", self.state / "pg-sockets"
        sockets.mkdir(exist_ok=True)
        first_start = not (data / "PG_VERSION").exists()
        if os.geteuid() == 0:
            data.mkdir(mode=0o700, exist_ok=True)
            shutil.chown(data, "postgres", "postgres")
            shutil.chown(sockets, "postgres", "postgres")
        if first_start:
            subprocess.run(_as_postgres([str(PG_BIN / "initdb"), "-D", str(data), "-U", "postgres", "--auth-local=peer",
                                         "--auth-host=scram-sha-256", "-E", "UTF8"]),
                           check=True, stdout=subprocess.DEVNULL)
        server = Server("PostgreSQL", _as_postgres([str(PG_BIN / "postgres"), "-D", str(data), "-p", str(self.pg_port),
                                                    "-k", str(sockets), "-c", "listen_addresses=127.0.0.1"]),
                        tcp_ready(self.pg_port), dict(os.environ), self.logs / "postgres.log").start(60)
        if first_start:
            sql = (f"CREATE ROLE rasa LOGIN PASSWORD '{self.secrets['POSTGRES_PASSWORD']}';"
                   " CREATE DATABASE rasa OWNER rasa;")
            for statement in sql.split(";")[:-1]:
                self.sql(statement, database="postgres")
        return server

    def sql(self, statement: str, database: str = "rasa") -> str:
        """Runs one SQL statement as PostgreSQL's administrator (set-up, checks, operators' clean-ups)."""
        result = subprocess.run(_as_postgres(["psql", "-h", str(self.state / "pg-sockets"), "-p", str(self.pg_port),
                                              "-U", "postgres", "-d", database, "-tAc", statement]),
                                check=True, capture_output=True, text=True)
        return result.stdout.strip()

    def _redis(self) -> Server:
        return Server("Redis", ["redis-server", "--port", str(self.redis_port), "--bind", "127.0.0.1", "--save", "",
                                "--appendonly", "no", "--requirepass", self.secrets["REDIS_PASSWORD"],
                                "--dir", str(self.state)],
                      tcp_ready(self.redis_port), dict(os.environ), self.logs / "redis.log").start(30)

    def _nginx(self) -> Server:
        conf_dir = self.state / "nginx"
        conf_dir.mkdir(exist_ok=True)
        site = self.state / "web"
        subprocess.run([str(PROJECT / ".venv-actions/bin/python"), "-m", "web.site", "build", "--out", str(site),
                        "--socket-url", ""], check=True, stdout=subprocess.DEVNULL, env=dict(os.environ, PYTHONPATH=str(PROJECT)))
        upstream = "\n".join(f"        server 127.0.0.1:{p} max_fails=1 fail_timeout=5s;" for p in self.rasa_ports)
        conf = Template((DEPLOY / "nginx.conf").read_text()).substitute(
            state=conf_dir, site=site, port=self.port, upstream_servers=upstream, csp=content_security_policy(""))
        (conf_dir / "nginx.conf").write_text(conf)
        return Server("nginx", ["nginx", "-p", str(conf_dir), "-c", str(conf_dir / "nginx.conf"), "-g", "daemon off;"],
                      tcp_ready(self.port), dict(os.environ), self.logs / "nginx.log").start(30)

    def rasa(self, port: int) -> Server:
        return rasa_server(port, self.logs, DEPLOY / "endpoints.yml", **self.rasa_env())

    # --- the whole ---------------------------------------------------------------------------------

    def start(self) -> "Cluster":
        self.logs.mkdir(parents=True, exist_ok=True)
        # PostgreSQL's and nginx's workers run as their own users: they may pass through, not list or read.
        self.state.chmod(0o711)
        try:
            self.servers["postgres"] = self._postgres()
            self.servers["redis"] = self._redis()
            self.servers["actions"] = action_server(self.actions_port, self.logs).start()
            for i, port in enumerate(self.rasa_ports, 1):  # one at a time: each loads the model (2 cores)
                self.servers[f"rasa{i}"] = self.rasa(port).start()
            self.servers["nginx"] = self._nginx()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        for server in reversed(list(self.servers.values())):
            server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=int(os.environ.get("WEB_PORT", 8080)))
    parser.add_argument("--rasa", type=int, default=2, help="how many Rasa servers")
    parser.add_argument("--state", type=Path, default=PROJECT / "var" / "cluster")
    args = parser.parse_args()
    cluster = Cluster(args.state, args.port, args.rasa)
    print("Starting PostgreSQL, Redis, the action server, "
          f"{args.rasa} Rasa servers and nginx (logs in {cluster.logs}) ...", flush=True)
    cluster.start()
    print(f"Trial assistant on several servers: {cluster.url}/ (Ctrl-C stops it)", flush=True)
    try:
        while True:  # a Rasa server that stops is started again (as an orchestrator would); any other stops all
            time.sleep(1)
            stopped = [name for name, s in cluster.servers.items() if s.process.poll() is not None]
            if any(not name.startswith("rasa") for name in stopped):
                print(f"{', '.join(stopped)} stopped; see the logs in {cluster.logs}")
                break
            for name in stopped:
                print(f"{name} stopped; starting it again", flush=True)
                cluster.servers[name] = cluster.rasa(cluster.rasa_ports[int(name[4:]) - 1]).start()
    except KeyboardInterrupt:
        pass
    finally:
        cluster.stop()


if __name__ == "__main__":
    main()
