"""Importing an existing knowledge base: the JSONL interchange format or a folder of Markdown.

Idempotent on each entry's id: a second import updates what changed and skips the rest.
"""

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.contrib.auth.models import User

from ai import embedding
from core import untrusted_json
from knowledge import services
from knowledge.models import KnowledgeEntry, KnowledgeExample
from tickets.models import Team

Status = KnowledgeEntry.Status
BATCH = 64
HEADING_RE = re.compile(r"^(#{1,2})\s+(.+?)\s*#*\s*$")


@dataclass(frozen=True)
class Row:
    where: str  # "line 12" or "docs/vpn.md#reset"
    external_id: str
    question: str
    answer: str
    tags: tuple[str, ...] = ()
    # Other ways customers ask for this answer: each becomes an example the copilot matches.
    examples: tuple[str, ...] = ()


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    approved: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged


class ImportFileError(Exception):
    """The file or folder cannot be read at all."""


def read_rows(path: Path, errors: list[str]) -> list[Row]:
    if path.is_dir():
        return list(_markdown_rows(path, errors))
    if not path.is_file():
        raise ImportFileError(f"{path} is neither a file nor a folder.")
    if path.suffix.lower() in {".md", ".markdown"}:
        return list(_markdown_file(path, path.parent, errors))
    return list(_jsonl_rows(path, errors))


def _jsonl_rows(path: Path, errors: list[str]) -> Iterator[Row]:
    seen: set[str] = set()
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError as exc:
        raise ImportFileError(f"{path} is not UTF-8 text: {exc}") from exc
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        where = f"line {number}"
        try:
            data = untrusted_json.loads(line)
        except json.JSONDecodeError as exc:
            errors.append(f"{where}: not valid JSON ({exc.msg})")
            continue
        except untrusted_json.TooDeep as exc:
            errors.append(f"{where}: {exc}")
            continue
        problem = _problem(data)
        if problem:
            errors.append(f"{where}: {problem}")
            continue
        entry_id = str(data["id"]).strip()
        if entry_id in seen:
            errors.append(f"{where}: id {entry_id!r} appears again in this file")
            continue
        seen.add(entry_id)
        tags = data.get("tags") or []
        if data.get("source"):
            tags = [*tags, str(data["source"])]
        examples = tuple(e.strip() for e in data.get("examples") or [] if e.strip())
        yield Row(
            where,
            entry_id,
            data["question"].strip(),
            data["answer"].strip(),
            tuple(tags),
            examples,
        )


def _problem(data: object) -> str:
    if not isinstance(data, dict):
        return "expected a JSON object"
    for key in ("id", "question", "answer"):
        if key not in data:
            return f"missing {key!r}"
    if not isinstance(data["id"], (str, int)) or not str(data["id"]).strip():
        return "'id' must be a non-empty string or number"
    for key in ("question", "answer"):
        if not isinstance(data[key], str) or not data[key].strip():
            return f"{key!r} must be non-empty text"
    for key in ("tags", "examples"):
        items = data.get(key, [])
        if items is not None and not (
            isinstance(items, list) and all(isinstance(t, str) for t in items)
        ):
            return f"{key!r} must be a list of strings"
    return ""


def _markdown_rows(folder: Path, errors: list[str]) -> Iterator[Row]:
    files = sorted(p for p in folder.rglob("*") if p.suffix.lower() in {".md", ".markdown"})
    if not files:
        raise ImportFileError(f"{folder} holds no Markdown files.")
    for path in files:
        yield from _markdown_file(path, folder, errors)


def _markdown_file(path: Path, root: Path, errors: list[str]) -> Iterator[Row]:
    """One entry per file, or one per second-level heading when a file has several."""
    name = path.relative_to(root).as_posix()
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError:
        errors.append(f"{name}: not UTF-8 text")
        return
    sections: list[tuple[str, list[str]]] = []
    title = ""
    for line in lines:
        match = HEADING_RE.match(line)
        if match and match.group(1) == "#" and not title and not sections:
            title = match.group(2)
        elif match and match.group(1) == "##":
            sections.append((match.group(2), []))
        elif sections:
            sections[-1][1].append(line)
    if len(sections) > 1:
        for heading, body in sections:
            yield from _markdown_row(f"{name}#{_slug(heading)}", heading, "\n".join(body), errors)
        return
    body_lines = [line for line in lines if not (title and HEADING_RE.match(line))]
    question = title or (sections[0][0] if sections else path.stem.replace("-", " "))
    yield from _markdown_row(name, question, "\n".join(body_lines), errors)


def _markdown_row(where: str, question: str, answer: str, errors: list[str]) -> Iterator[Row]:
    if not answer.strip():
        errors.append(f"{where}: no text under the heading")
        return
    yield Row(where, f"md:{where}", question.strip(), answer.strip())


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "section"


def import_rows(
    rows: list[Row],
    *,
    approve: bool,
    team: Team | None,
    actor: User | None,
    result: ImportResult,
    progress: Callable[[int], None] = lambda done: None,
) -> ImportResult:
    """Create or update entries for ``rows``, embedding them in batches."""
    existing = KnowledgeEntry.objects.in_bulk(
        [row.external_id for row in rows], field_name="external_id"
    )
    done = 0
    for start in range(0, len(rows), BATCH):
        batch = rows[start : start + BATCH]
        todo = [row for row in batch if _changed(existing.get(row.external_id), row)]
        texts = [services.embedding_text(row.question, row.answer) for row in todo]
        fresh = [row for row in todo if row.external_id not in existing]
        # One call: each entry's text, and for new ones their question and answer alone (the
        # first example, and what the copilot compares questions with).
        embedded = embedding.embed(
            [*texts, *(row.question for row in fresh), *(row.answer for row in fresh)]
        )
        ids = [r.external_id for r in todo]
        fresh_ids = [r.external_id for r in fresh]
        vectors = dict(zip(ids, embedded[: len(todo)], strict=True))
        question_vectors = dict(
            zip(fresh_ids, embedded[len(todo) : len(todo) + len(fresh)], strict=True)
        )
        answer_vectors = dict(zip(fresh_ids, embedded[len(todo) + len(fresh) :], strict=True))
        new = []
        for row in batch:
            if row.external_id not in existing:
                new.append(row)
                continue
            try:
                _update_row(row, existing[row.external_id], vectors, approve, actor, result)
            except services.KnowledgeError as exc:
                result.errors.append(f"{row.where}: {exc}")
        _create_rows(new, vectors, question_vectors, answer_vectors, approve, team, actor, result)
        _add_examples(batch)
        done += len(batch)
        progress(done)
    return result


def _add_examples(rows: list[Row]) -> None:
    """Each row's example questions, embedded together; those an entry has already are kept."""
    wanted = [(row.external_id, text) for row in rows for text in row.examples]
    if not wanted:
        return
    entries = KnowledgeEntry.objects.in_bulk(
        list({external_id for external_id, _ in wanted}), field_name="external_id"
    )
    known = set(
        KnowledgeExample.objects.filter(entry__in=entries.values()).values_list("entry_id", "text")
    )
    fresh = [
        (entries[external_id], text)
        for external_id, text in dict.fromkeys(wanted)
        if external_id in entries and (entries[external_id].pk, text) not in known
    ]
    vectors = embedding.embed([text for _, text in fresh]) if fresh else []
    for (entry, text), vector in zip(fresh, vectors, strict=True):
        services.example_add(entry=entry, text=text, vector=vector)


def _changed(entry: KnowledgeEntry | None, row: Row) -> bool:
    return entry is None or (entry.question, entry.answer) != (row.question, row.answer)


def _create_rows(
    rows: list[Row],
    vectors: dict[str, list[float]],
    question_vectors: dict[str, list[float]],
    answer_vectors: dict[str, list[float]],
    approve: bool,
    team: Team | None,
    actor: User | None,
    result: ImportResult,
) -> None:
    valid = []
    for row in rows:
        try:
            services.clean_text(row.question, row.answer)
        except services.KnowledgeError as exc:
            result.errors.append(f"{row.where}: {exc}")
        else:
            valid.append(row)
    services.entries_create_many(
        entries=[
            services.NewEntry(
                question=row.question,
                answer=row.answer,
                vector=vectors[row.external_id],
                question_vector=question_vectors.get(row.external_id),
                answer_vector=answer_vectors.get(row.external_id),
                tags=row.tags,
                external_id=row.external_id,
                note=f"imported ({row.where})",
            )
            for row in valid
        ],
        actor=actor,
        team=team,
        source=KnowledgeEntry.Source.IMPORTED,
        status=Status.APPROVED if approve else Status.PROPOSED,
    )
    result.created += len(valid)
    result.approved += len(valid) if approve else 0


def _update_row(
    row: Row,
    entry: KnowledgeEntry,
    vectors: dict[str, list[float]],
    approve: bool,
    actor: User | None,
    result: ImportResult,
) -> None:
    if _changed(entry, row) or sorted(entry.tags) != sorted(services.clean_tags(row.tags)):
        services.entry_edit(
            entry=entry,
            actor=actor,
            question=row.question,
            answer=row.answer,
            tags=row.tags,
            note=f"re-imported ({row.where})",
            vector=vectors.get(row.external_id),
        )
        result.updated += 1
    else:
        result.unchanged += 1
    if approve and entry.status == Status.PROPOSED:
        services.entry_approve(entry=entry, actor=actor, note="approved on import")
        result.approved += 1
