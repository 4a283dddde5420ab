"""The capture workbook (Google Sheets or a local .xlsx) and its sync: the reader/writer
interface (`workbook`) with its adapters (`xlsx`, `google`), the layout, the pure parse, and the
sync and init that apply it to the database (`sync`)."""
