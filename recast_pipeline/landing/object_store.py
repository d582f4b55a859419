"""Landing on object storage (``RECAST_DATA_DIR=s3://bucket/prefix``): stage locally, publish by manifest.

Why a manifest: S3 has no folder rename. One PUT or COPY is atomic, but a table's partition can
hold several files, so a reader listing a folder during a publish could see some old files and
some new ones. Each partition folder therefore has a ``_manifest.json``, written in one PUT as
the last step of its publish: it names the exact live files and the publish id. A reader that
follows the manifest (or reads the warehouse, which loaded exactly those files) never sees half
a partition; a plain glob over the folder can, for the instant between the copy of the new files
and the deletion of the old ones, see both (README, "Beyond one machine").

Conversion and downloads stay on local disk (a per-stage scratch folder, like the local store's
``.staging/``); only ``publish`` talks to S3, one partition at a time:

1. upload every staged file under the private prefix ``<root>/.staging/<stage>/`` (a process killed
   here leaves nothing in a live folder; a later landing sweeps the prefix once abandoned);
2. per table: copy the files (server-side) into the partition folder under names that carry the
   publish id (``<file>.<publish id>.parquet``, so a live file is never overwritten), PUT the
   manifest, then delete the files the previous manifest listed, and files no manifest lists that
   are older than ``stale_after`` (left by a publish killed between its copy and its manifest);
3. retire the partition from tables the report no longer produces: manifest first, then files;
4. delete the private prefix.

Two publishes of one partition at once (the local store serializes them with a file lock; S3
offers no lock to pyarrow) end with the last manifest written; the other's files are then listed
nowhere and removed by a later publish's sweep.
"""

from __future__ import annotations

import json
import os
import tempfile
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, cast

from recast_pipeline.landing.folders import partition_folder, require_text
from recast_pipeline.landing.naming import safe_segment, schema_name
from recast_pipeline.landing.s3 import S3Location, S3Settings
from recast_pipeline.landing.stage import Stage
from recast_pipeline.landing.stale_stages import STAGING_DIR, remove_stale_folders, write_owner

if TYPE_CHECKING:
    from pyarrow import fs

MANIFEST = "_manifest.json"
MANIFEST_FORMAT = 1


def scratch_root() -> Path:
    """Local folder for stages of S3 landings: per user, in the temp directory (``TMPDIR``)."""
    return Path(tempfile.gettempdir()) / f"recast-landing-{os.getuid()}"


class ObjectStoreArea:
    """The Parquet landing area under an ``s3://`` URL (``<data dir>/parquet``).

    ``filesystem``: a pyarrow filesystem (default: S3 from the AWS variables, made on first use);
    ``scratch``: local folder for stages (default ``scratch_root()``).
    """

    def __init__(
        self,
        url: str,
        *,
        filesystem: fs.FileSystem | None = None,
        scratch: str | Path | None = None,
        stale_after: float = 3600.0,
        abandoned_after: float = 24 * 3600.0,
    ):
        self.location = S3Location.parse(url, "landing URL")
        self.root = self.location.url
        self.scratch = Path(scratch) if scratch is not None else scratch_root()
        self.stale_after = stale_after
        self.abandoned_after = abandoned_after
        self._filesystem = filesystem
        self._staging_swept = False

    def __repr__(self) -> str:
        return f"ObjectStoreArea({self.root!r})"

    @property
    def filesystem(self) -> fs.FileSystem:
        if self._filesystem is None:
            self._filesystem = S3Settings.from_env().filesystem()
        return self._filesystem

    # -- where things are ------------------------------------------------------------------

    def _partition(self, report_type: str, relative: PurePosixPath) -> S3Location:
        if len(relative.parts) != 3 or any(part in ("", ".", "..") for part in relative.parts):
            raise ValueError(f"refusing to write outside the landing area: {relative}")
        return self.location.join(schema_name(report_type), str(relative))

    def partition_url(self, report_type: str, table: str, dashboard: str, partition_key: str) -> str:
        """The partition folder of one table (``table`` is the sanitized identifier)."""
        return self._partition(report_type, partition_folder(table, dashboard, partition_key)).url

    def final_file(self, report_type: str, relative: PurePosixPath, file_name: str, publish_id: str) -> str:
        """The live URL of a staged file once published: its name carries the publish id."""
        return self._partition(report_type, relative).join(_published_name(file_name, publish_id)).url

    # -- landing ---------------------------------------------------------------------------

    def stage(self, report_type: str, dashboard: str, partition_key: str) -> Stage:
        self.remove_stale_stages()
        dashboard, partition_key = require_text(dashboard, "dashboard"), require_text(partition_key, "partition_key")
        publish_id = uuid.uuid4().hex[:12]
        name = f"{schema_name(report_type)}-{safe_segment(dashboard)}-{safe_segment(partition_key)}-{publish_id}"
        directory = self.scratch / name
        directory.mkdir(parents=True)
        write_owner(directory)
        return Stage(self, report_type, dashboard, partition_key, directory, publish_id)

    def remove_stale_stages(self) -> list[str]:
        """Local scratch folders of crashed landings (as the local store does), and, once per area,
        private S3 prefixes of publishes abandoned ``abandoned_after`` ago."""
        removed = [str(path) for path in remove_stale_folders(self.scratch, self.stale_after, self.abandoned_after)]
        if not self._staging_swept:
            self._staging_swept = True
            removed += self._remove_abandoned_uploads()
        return removed

    def _remove_abandoned_uploads(self) -> list[str]:
        from pyarrow import fs

        staging = self.location.join(STAGING_DIR)
        newest: dict[str, datetime] = {}
        for info in self.filesystem.get_file_info(fs.FileSelector(staging.path, recursive=True, allow_not_found=True)):
            if info.type == fs.FileType.File and info.mtime is not None:
                stage = info.path[len(staging.path) + 1 :].split("/", 1)[0]
                newest[stage] = max(newest.get(stage, cast(datetime, info.mtime)), info.mtime)  # pyarrow has no stubs
        cutoff = _now() - timedelta(seconds=self.abandoned_after)
        removed = []
        for stage, mtime in sorted(newest.items()):
            if mtime < cutoff:
                self.filesystem.delete_dir(staging.join(stage).path)
                removed.append(staging.join(stage).url)
        return removed

    # -- publishing ------------------------------------------------------------------------

    def publish(self, stage: Stage) -> None:
        """Upload privately, then switch each table's partition by its manifest (module docstring)."""
        from pyarrow import fs

        by_table: dict[str, list] = {}
        for landed in stage.tables:
            by_table.setdefault(landed.table, []).append(landed)
        private = self.location.join(STAGING_DIR, stage.directory.name)
        try:
            for landed in stage.tables:
                fs.copy_files(
                    str(landed.path),
                    self._private_copy(private, cast(str, landed.final_path)).path,
                    source_filesystem=fs.LocalFileSystem(),
                    destination_filesystem=self.filesystem,
                )
            for table in sorted(by_table):
                self._switch(stage, table, by_table[table], private)
            self._retire_other_tables(stage, set(by_table))
        finally:
            try:
                self.filesystem.delete_dir(private.path)
            except OSError:  # nothing uploaded yet, or the store is unreachable: swept once abandoned
                pass

    def _private_copy(self, private: S3Location, final_url: str) -> S3Location:
        return private.join(final_url[len(self.root) :])

    def _switch(self, stage: Stage, table: str, items: list, private: S3Location) -> None:
        folder = self._partition(stage.report_type, partition_folder(table, stage.dashboard, stage.partition_key))
        previous = self.read_manifest_at(folder)
        names: list[str] = []
        try:
            for landed in items:
                self._copy(
                    self._private_copy(private, landed.final_path).path, S3Location.parse(landed.final_path).path
                )
                names.append(landed.final_path.rsplit("/", 1)[1])
        except BaseException:  # before the manifest: take back the copies, the live partition stays as it was
            for name in names:
                self._delete_quietly(folder.join(name).path)
            raise
        lineage = items[0].lineage
        manifest = {
            "format": MANIFEST_FORMAT,
            "publish_id": stage.publish_id,
            "published_at": _now().isoformat(),
            "schema": stage.schema,
            "table": table,
            "dashboard": stage.dashboard,
            "partition_key": stage.partition_key,
            "deployment_id": lineage.deployment_id,
            "model_date": lineage.model_date,
            "report_id": lineage.report_id,
            "files": [
                {"name": name, "download_key": landed.download_key, "rows": landed.rows}
                for name, landed in zip(names, items)
            ],
        }
        with self.filesystem.open_output_stream(folder.join(MANIFEST).path) as out:
            out.write(json.dumps(manifest, indent=2, ensure_ascii=False).encode())
        live = set(names)
        for name in manifest_files(previous):
            if name not in live:
                self._delete_quietly(folder.join(name).path)
        self._sweep_unlisted(folder, live)

    def _sweep_unlisted(self, folder: S3Location, live: set[str]) -> None:
        """Files of the folder no manifest lists, old enough that no publish is still on its way."""
        from pyarrow import fs

        cutoff = _now() - timedelta(seconds=self.stale_after)
        for info in self.filesystem.get_file_info(fs.FileSelector(folder.path, allow_not_found=True)):
            name = info.path.rsplit("/", 1)[1]
            if (
                info.type == fs.FileType.File
                and name != MANIFEST
                and name not in live
                and info.mtime
                and info.mtime < cutoff
            ):
                self._delete_quietly(info.path)

    def _retire_other_tables(self, stage: Stage, produced: set[str]) -> None:
        from pyarrow import fs

        schema = self.location.join(stage.schema)
        for info in self.filesystem.get_file_info(fs.FileSelector(schema.path, allow_not_found=True)):
            table = info.path.rsplit("/", 1)[1]
            if info.type != fs.FileType.Directory or table in produced:
                continue
            folder = self._partition(stage.report_type, partition_folder(table, stage.dashboard, stage.partition_key))
            if self.filesystem.get_file_info(folder.path).type == fs.FileType.NotFound:
                continue
            self._delete_quietly(folder.join(MANIFEST).path)  # manifest readers: the partition is gone
            self.filesystem.delete_dir(folder.path)

    def _copy(self, source: str, destination: str) -> None:
        self.filesystem.copy_file(source, destination)  # server-side: CopyObject

    def _delete_quietly(self, path: str) -> None:
        try:
            self.filesystem.delete_file(path)
        except FileNotFoundError:
            pass

    # -- reading ---------------------------------------------------------------------------

    def read_manifest(self, report_type: str, table: str, dashboard: str, partition_key: str) -> dict | None:
        """The live manifest of one table's partition; None when the partition was never published."""
        return self.read_manifest_at(S3Location.parse(self.partition_url(report_type, table, dashboard, partition_key)))

    def read_manifest_at(self, folder: S3Location) -> dict | None:
        try:
            with self.filesystem.open_input_stream(folder.join(MANIFEST).path) as stream:
                return json.loads(stream.read())
        except FileNotFoundError:
            return None

    def live_files(self, report_type: str, table: str, dashboard: str, partition_key: str) -> list[str]:
        """URLs of exactly the files the partition's manifest lists (empty when unpublished)."""
        folder = self.partition_url(report_type, table, dashboard, partition_key)
        manifest = self.read_manifest(report_type, table, dashboard, partition_key)
        return [f"{folder}/{name}" for name in manifest_files(manifest)]


def manifest_files(manifest: dict | None) -> list[str]:
    return [item["name"] for item in (manifest or {}).get("files", [])]


def _published_name(file_name: str, publish_id: str) -> str:
    stem = file_name.removesuffix(".parquet")
    return f"{stem}.{publish_id}.parquet"


def _now() -> datetime:
    return datetime.now(timezone.utc)
