"""The shared base that `bot`, `sheets_sync`, `scheduler` and `app` stand on.

Rooms by capability: `store/` (the database), `catalogue/` (programme files and checks),
`people/` (owners and who may see what), `reminders/` (plan, ledger, words). Beside them, one
module each: `settings`, `errors`, `values` (numbers as people type them), `codes`, `calendar`
(business days and deadlines), `captures_csv`, `formatting` (what a person reads), `logs`,
`targets` (approved and modified targets), `service` (load a catalogue, import captures, modify
a target, tell a status), `answers` (what a registered person may ask, with the access check)
and `chart` (`/grafica`).
"""
