"""APScheduler 3.11 jobs: timed syncs and month-end reminders (the scheduler issue)."""
