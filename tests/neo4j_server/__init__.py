"""A real Neo4j Community 5.26 server for the test suite, fetched from Maven Central and started in-process.

The first run resolves ``org.neo4j.test:neo4j-harness`` with Maven (jars land in
``~/.m2``) and compiles ``Launcher.java``; later runs reuse both.
"""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
CACHE = HERE.parent.parent / ".cache" / "neo4j-harness"
PLUGIN = HERE.parent.parent / "neo4j-plugin"
PLUGINS = CACHE / "plugins"


class Neo4jUnavailable(RuntimeError):
    pass


def _run(command: list[str], **kwargs) -> None:
    completed = subprocess.run(command, capture_output=True, text=True, **kwargs)
    if completed.returncode != 0:
        raise Neo4jUnavailable(f"{' '.join(command)} failed:\n{completed.stdout[-3000:]}\n{completed.stderr[-3000:]}")


def _java_home() -> Path | None:
    """A Java 17 home: Neo4j 5.26 runs on 17 (a newer JDK beside it is not used)."""
    candidates = [os.environ.get("MAILLAGE_JAVA_HOME"), "/usr/lib/jvm/java-17-openjdk-amd64",
                  "/usr/lib/jvm/java-17-openjdk-arm64", os.environ.get("JAVA_HOME")]
    for candidate in candidates:
        if candidate and (Path(candidate) / "bin" / "javac").exists():
            return Path(candidate)
    return None


def ensure_tools() -> Path:
    """Java 17 and Maven, installed from Debian's packages when missing and allowed (root)."""
    java_home = _java_home()
    if java_home is None or shutil.which("mvn") is None:
        if os.geteuid() == 0 and shutil.which("apt-get"):
            _run(["apt-get", "update", "-q"])
            _run(["apt-get", "install", "-y", "-q", "openjdk-17-jdk-headless", "maven"],
                 env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})
            java_home = _java_home()
        if java_home is None or shutil.which("mvn") is None:
            raise Neo4jUnavailable("Java 17 (javac) and Maven (mvn) are needed to start Neo4j")
    return java_home


def prepare() -> tuple[Path, str]:
    """Resolve the harness classpath and compile the launcher, reusing earlier runs' work."""
    java_home = ensure_tools()
    CACHE.mkdir(parents=True, exist_ok=True)
    classpath_file = CACHE / "classpath.txt"
    env = {**os.environ, "JAVA_HOME": str(java_home)}
    pom = HERE / "pom.xml"
    stale = (not classpath_file.exists() or classpath_file.stat().st_mtime < pom.stat().st_mtime
             or not all(Path(p).exists() for p in classpath_file.read_text().strip().split(os.pathsep)))
    if stale:
        _run(["mvn", "-q", "-B", "-f", str(pom), "dependency:build-classpath",
              f"-Dmdep.outputFile={classpath_file}"], env=env)
    classpath = classpath_file.read_text().strip()
    classes = CACHE / "classes"
    source = HERE / "Launcher.java"
    compiled = classes / "Launcher.class"
    if not compiled.exists() or compiled.stat().st_mtime < source.stat().st_mtime:
        _run([str(java_home / "bin" / "javac"), "-d", str(classes), "-cp", classpath, str(source)], env=env)
    _build_plugin(java_home, env)
    return java_home, f"{classes}{os.pathsep}{classpath}"


def _build_plugin(java_home: Path, env: dict) -> Path:
    """Maillage's Neo4j plugin built as a user builds it (``mvn package`` in ``neo4j-plugin/``), copied into the
    plugins folder the launcher gives its server (PLUGINS); built again when a source or the pom changed."""
    sources = [PLUGIN / "pom.xml", *sorted((PLUGIN / "src").rglob("*.java"))]
    jar = PLUGINS / "maillage-neo4j-plugin.jar"
    if jar.exists() and all(source.stat().st_mtime < jar.stat().st_mtime for source in sources):
        return jar
    _run(["mvn", "-q", "-B", "-f", str(PLUGIN / "pom.xml"), "package"], env=env)
    PLUGINS.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(PLUGIN / "target" / "maillage-neo4j-plugin.jar", jar)
    return jar


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Neo4jServer:
    process: subprocess.Popen
    uri: str
    workdir: str

    def stop_database(self, timeout: float = 60) -> None:
        """Shut the database server down, as when it stops or restarts (the process waits to start it again)."""
        self._command("stop")
        deadline = time.monotonic() + timeout
        while _answers(self.uri) and time.monotonic() < deadline:
            time.sleep(0.2)

    def start_database(self, timeout: float = 180) -> None:
        """Start the database server again, on the same port and files; return once Bolt answers."""
        self._command("start")
        deadline = time.monotonic() + timeout
        while not _answers(self.uri):
            if time.monotonic() > deadline:
                raise Neo4jUnavailable(f"Bolt did not answer again on {self.uri} within {timeout}s")
            time.sleep(0.2)

    def _command(self, line: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(f"{line}\n".encode())
        self.process.stdin.flush()

    def stop(self) -> None:
        if self.process.poll() is None:
            try:
                self.process.stdin.close()  # the launcher exits when its stdin closes
                self.process.wait(timeout=60)
            except Exception:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.workdir, ignore_errors=True)


def _answers(uri: str) -> bool:
    from neo4j import GraphDatabase

    try:
        with GraphDatabase.driver(uri, auth=("neo4j", "test"), connection_timeout=2) as driver:
            driver.verify_connectivity()
        return True
    except Exception:
        return False


def start(timeout: float = 180, import_dir: Path | None = None, plugins: bool = True) -> Neo4jServer:
    """Start Neo4j on a free 127.0.0.1 port and return once Bolt answers; with Maillage's plugin unless not
    *plugins* (a server as one installed without it).

    *import_dir* is the folder ``LOAD CSV`` reads ``file:///`` URLs from. Memory is a small real
    server's: a 2 GiB heap and a 512 MiB page cache, unless ``MAILLAGE_NEO4J_HEAP_OPTS`` (JVM
    options, ``-Xmx4g``) or ``MAILLAGE_NEO4J_PAGECACHE_MB`` say otherwise.
    """
    java_home, classpath = prepare()
    port = free_port()
    workdir = tempfile.mkdtemp(prefix="maillage-neo4j-")
    log = open(Path(workdir) / "launcher.log", "w+")  # noqa: SIM115 (the server's output, for as long as it runs)
    memory = os.environ.get("MAILLAGE_NEO4J_HEAP_OPTS", "-Xmx2g").split()
    if os.environ.get("MAILLAGE_NEO4J_PAGECACHE_MB"):  # else the launcher's own default
        memory.append(f"-Dmaillage.pagecache.mb={int(os.environ['MAILLAGE_NEO4J_PAGECACHE_MB'])}")
    process = subprocess.Popen(
        [str(java_home / "bin" / "java"), *memory, *([f"-Dmaillage.plugins={PLUGINS}"] if plugins else []),
         "-cp", classpath, "Launcher",
         str(port), workdir]
        + ([str(import_dir)] if import_dir else []),
        stdin=subprocess.PIPE, stdout=log, stderr=subprocess.STDOUT, cwd=workdir)
    server = Neo4jServer(process, f"bolt://127.0.0.1:{port}", workdir)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log.seek(0)
            raise Neo4jUnavailable(f"Neo4j exited with code {process.returncode}:\n{log.read()[-4000:]}")
        if _answers(server.uri):
            return server
        time.sleep(0.5)
    log.seek(0)
    tail = log.read()[-4000:]
    server.stop()
    raise Neo4jUnavailable(f"Bolt did not answer on {server.uri} within {timeout}s:\n{tail}")
