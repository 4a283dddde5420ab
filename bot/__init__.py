"""The Telegram bot (python-telegram-bot 22): status from a phone. Built in the bot issue."""
