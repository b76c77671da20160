"""lrcourse.results: the provenance names what was uncommitted when a result was made."""

import subprocess

import pytest

from lrcourse import results


def test_changed_folders_reads_porcelain_lines():
    porcelain = " M lrcourse/train.py\nM  benchmarks/train.py\nR  old.py -> lrcourse/new.py\n M README.md\n"
    assert results._changed_folders(porcelain) == ["README.md", "benchmarks/", "lrcourse/"]
    assert results._changed_folders("") == []


@pytest.fixture
def repo(tmp_path, monkeypatch):
    def git(*args):
        subprocess.run(["git", *args], cwd=tmp_path, check=True, capture_output=True)

    git("init", "-q")
    for folder in ("lrcourse", "benchmarks"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "code.py").write_text("x = 1\n")
    git("add", ".")
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "start")
    monkeypatch.setattr(results, "CHECKOUT", tmp_path)
    return tmp_path


def test_git_commit_names_the_folder_that_changed(repo):
    clean = results.git_commit(("lrcourse", "benchmarks"))
    assert len(clean) == 12 and "+" not in clean
    (repo / "benchmarks" / "code.py").write_text("x = 2\n")
    assert results.git_commit(("lrcourse", "benchmarks")) == clean + "+uncommitted changes in benchmarks/"
    assert results.git_commit(("lrcourse",)) == clean  # benchmarks/ is not the code asked about
    (repo / "lrcourse" / "code.py").write_text("x = 3\n")
    assert results.git_commit(("lrcourse", "benchmarks")) == (
        clean + "+uncommitted changes in benchmarks/, lrcourse/")
