"""Harvesting: the forge adapters turned into recorded, resumable runs (``communs harvest``).

The work is split by what it touches:

- pure: :mod:`.plan` (which owners of a forge to list, which paths are out of scope),
  :mod:`.state` (a run's cursor state), :mod:`.fields` (what a listing does not carry),
  :mod:`.tokens` (tokens from the environment), :mod:`.progress` (the live display),
  :mod:`.stats` (request counts per forge), :mod:`.writer` (the database thread);
- Django: :mod:`.models` (``HarvestRun``, ``StoredResponse``), :mod:`.store` (every
  database write of a harvest, each one transaction), :mod:`.etags` (the ETag store in
  the database), :mod:`.status` (``forge_status`` for the status page);
- the loop: :mod:`.engine` runs forges concurrently over one ``ForgeClient``, and the
  ``harvest`` management command is a thin shell over it.
"""
