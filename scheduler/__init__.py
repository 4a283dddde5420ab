"""APScheduler 3.11 jobs: syncs on a timetable and month-end reminders. Built in the scheduler issue."""
