"""Answer feedback: ratings from the help page, stored next to the province rules, and a report.

``FeedbackRepository`` records ratings and reads the least helpful answers and the questions the
bot could not answer (from the Rasa tracker store and not-helpful ratings);
``python -m bot.feedback report`` prints both.
"""
