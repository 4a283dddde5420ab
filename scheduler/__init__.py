"""The scheduler (APScheduler 3.11 in the bot's event loop): the scheduler and its timetable
(`timetable`), the jobs it runs (`jobs`), the reminder fan-out (`fanout`), the Telegram notifier
(`notifier`) and the one-active-instance lock (`leader`)."""
