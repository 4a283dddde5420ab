"""The Telegram bot (python-telegram-bot 22): the application and its webhook (`application`),
thin handlers (`handlers`), argument reading (`arguments`) and the replies' words (`replies`)."""
