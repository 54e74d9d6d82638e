"""WeChat Official Account channel (``bot.channels.wechat.channel.WeChatInput``).

``crypto`` and ``xml`` need no Rasa (the simulator, ``python -m bot.channels.wechat.sim``, uses
only them), so this package imports nothing by itself.
"""
