"""The capture workbook (Google Sheets or a local .xlsx) and its sync. Built in the sync issue."""
