// Help page: mounts the rasa-webchat widget (socket.io channel bot.channels.socketio) full page
// and adds a helpful / not helpful control under each bot answer, posted to /webhooks/feedback.
//
// How an answer is recognised: the server puts the domain response name in every bot message as
// metadata.utter_action. Before the widget handles a message (our socket listener is registered
// first and gets the same object), it is turned into the widget's own "class" customCss, so the
// widget renders the bubble with classes naming the answer and keeps them in its stored
// conversation: the controls come back after a reload. Everything this script puts in the page
// is built with textContent, never from HTML strings.
(function () {
  "use strict";

  var SESSION_KEY = "chat_session"; // where rasa-webchat keeps its session (params.storage local)
  var RATED_KEY = "icp_help_rated"; // answers already rated, so a reload does not ask again
  var ANSWER_KEY_RE = /^utter_[a-z0-9_]+$/;
  // Messages about the handoff to a human agent are not answers to rate.
  var NOT_AN_ANSWER_RE = /^utter_(human_)?handoff/;
  var KEY_CLASS_PREFIX = "icp-key-";
  var LANG_CLASS_PREFIX = "icp-lang-";
  var TEXT = {
    en: {
      question: "Was this helpful?",
      helpful: "Helpful",
      notHelpful: "Not helpful",
      thanks: "Thanks for your feedback.",
      failed: "Could not send your feedback. Please try again."
    },
    zh: {
      question: "这个回答有帮助吗？",
      helpful: "有帮助",
      notHelpful: "没有帮助",
      thanks: "感谢你的反馈！",
      failed: "反馈发送失败，请重试。"
    }
  };

  var chat = document.getElementById("chat");

  function languageOf(text) {
    return /[\u3400-\u9fff]/.test(text || "") ? "zh" : "en";
  }

  function tagAnswer(message) {
    var metadata = message && message.metadata;
    var key = metadata && metadata.utter_action;
    if (typeof key !== "string" || !ANSWER_KEY_RE.test(key) || NOT_AN_ANSWER_RE.test(key)) {
      return;
    }
    metadata.customCss = {
      style: "class",
      css: "icp-answer " + KEY_CLASS_PREFIX + key + " " + LANG_CLASS_PREFIX + languageOf(message.text)
    };
  }

  function classValue(element, prefix) {
    for (var i = 0; i < element.classList.length; i++) {
      if (element.classList[i].indexOf(prefix) === 0) {
        return element.classList[i].slice(prefix.length);
      }
    }
    return null;
  }

  function sessionId() {
    try {
      var session = JSON.parse(window.localStorage.getItem(SESSION_KEY) || "{}");
      return typeof session.session_id === "string" ? session.session_id : null;
    } catch (e) {
      return null;
    }
  }

  function ratedAnswers() {
    try {
      var rated = JSON.parse(window.localStorage.getItem(RATED_KEY) || "{}");
      return rated && typeof rated === "object" ? rated : {};
    } catch (e) {
      return {};
    }
  }

  function rememberRated(id, rating) {
    var rated = ratedAnswers();
    rated[id] = rating;
    window.localStorage.setItem(RATED_KEY, JSON.stringify(rated));
  }

  function answerBubble(row) {
    return row ? row.querySelector(".rw-response.icp-answer") : null;
  }

  function sameAnswer(row, other) {
    var a = answerBubble(row);
    var b = answerBubble(other);
    return !!(a && b && classValue(a, KEY_CLASS_PREFIX) === classValue(b, KEY_CLASS_PREFIX));
  }

  // Thumb icons drawn in SVG rather than emoji, which need a colour emoji font to show.
  // Paths: Feather icons (MIT licence).
  var ICONS = {
    helpful: "M14 9V5a3 3 0 0 0-3-3l-4 9v11h11.28a2 2 0 0 0 2-1.7l1.38-9a2 2 0 0 0-2-2.3zM7 22H4a2 2 0 0 1-2-2v-7a2 2 0 0 1 2-2h3",
    not_helpful: "M10 15v4a3 3 0 0 0 3 3l4-9V2H5.72a2 2 0 0 0-2 1.7l-1.38 9a2 2 0 0 0 2 2.3zm7-13h2.67A2.31 2.31 0 0 1 22 4v7a2.31 2.31 0 0 1-2.33 2H17"
  };

  function icon(rating) {
    var ns = "http://www.w3.org/2000/svg";
    var svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    var path = document.createElementNS(ns, "path");
    path.setAttribute("d", ICONS[rating]);
    svg.appendChild(path);
    return svg;
  }

  function button(label, rating, onClick) {
    var element = document.createElement("button");
    element.type = "button";
    element.className = "icp-feedback__button";
    element.setAttribute("data-rating", rating);
    element.setAttribute("aria-label", label);
    element.title = label;
    element.appendChild(icon(rating));
    element.addEventListener("click", onClick);
    return element;
  }

  function buildControl(details, id) {
    var text = TEXT[details.language];
    var control = document.createElement("div");
    control.className = "icp-feedback";
    control.setAttribute("data-answer-key", details.answer_key);
    var label = document.createElement("span");
    label.className = "icp-feedback__label";
    label.textContent = text.question;
    control.appendChild(label);

    function send(rating) {
      var buttons = control.querySelectorAll("button");
      buttons.forEach(function (b) { b.disabled = true; });
      var body = {
        sender_id: sessionId() || "",
        question: details.question,
        answer_key: details.answer_key,
        language: details.language,
        rating: rating
      };
      fetch("/webhooks/feedback", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(body)
      }).then(function (response) {
        if (!response.ok) {
          throw new Error("feedback rejected: " + response.status);
        }
        rememberRated(id, rating);
        showThanks(control, text);
      }).catch(function () {
        label.textContent = text.failed;
        buttons.forEach(function (b) { b.disabled = false; });
      });
    }

    control.appendChild(button(text.helpful, "helpful", function () { send("helpful"); }));
    control.appendChild(button(text.notHelpful, "not_helpful", function () { send("not_helpful"); }));
    return control;
  }

  function showThanks(control, text) {
    control.textContent = "";
    control.classList.add("icp-feedback--done");
    var thanks = document.createElement("span");
    thanks.className = "icp-feedback__label";
    thanks.textContent = text.thanks;
    control.appendChild(thanks);
  }

  // Adds the control to every answer that has none, once per answer: an answer the widget split
  // into several bubbles gets it under its last bubble only. The question is the user's message
  // the answer follows (typed, or the title of the button clicked); the widget groups
  // consecutive messages of one sender, so rows are walked in document order across groups.
  function decorate() {
    var session = sessionId();
    var container = chat.querySelector(".rw-messages-container");
    if (!session || !container) {
      return;
    }
    var rated = ratedAnswers();
    var rows = container.querySelectorAll(".rw-message");
    var question = "";
    rows.forEach(function (row, index) {
      var client = row.querySelector(".rw-client");
      if (client) {
        question = client.textContent.trim();
        return;
      }
      var bubble = answerBubble(row);
      var existing = row.querySelector(".icp-feedback");
      if (!bubble || sameAnswer(row, rows[index + 1])) {
        if (existing && !existing.classList.contains("icp-feedback--done")) {
          existing.remove();
        }
        return;
      }
      if (existing || !question) {
        return; // done already, or a greeting rather than an answer
      }
      var details = {
        question: question,
        answer_key: classValue(bubble, KEY_CLASS_PREFIX),
        language: classValue(bubble, LANG_CLASS_PREFIX) === "zh" ? "zh" : "en"
      };
      var id = session + ":" + index;
      var control = buildControl(details, id);
      if (rated[id]) {
        showThanks(control, TEXT[details.language]);
      }
      row.appendChild(control);
    });
  }

  function initPayload() {
    // A Chinese browser gets the greeting in Chinese; later replies follow what the user types.
    var language = (navigator.language || "").toLowerCase().indexOf("zh") === 0 ? "zh" : "en";
    return "/greet" + JSON.stringify({ language: language });
  }

  if (!window.WebChat || typeof window.WebChat.default !== "function") {
    var notice = document.createElement("p");
    notice.className = "notice";
    notice.textContent = "The assistant is not available right now. Please try again later. 助手暂时不可用，请稍后再试。";
    chat.appendChild(notice);
    return;
  }

  new MutationObserver(decorate).observe(chat, { childList: true, subtree: true });

  window.WebChat.default({
    socketUrl: window.location.origin,
    socketPath: "/socket.io/",
    // Websocket only, no long-polling first: one connection stays with the Rasa process that
    // accepted it, so several workers (SANIC_WORKERS) or instances behind a round-robin proxy
    // need no sticky sessions. webchat.js is served with a fix that passes these options to
    // socket.io (bot/channels/web.py, widget_bundle).
    protocolOptions: { transports: ["websocket"] },
    embedded: true,
    title: "ICP Filing assistant",
    initPayload: initPayload(),
    inputTextFieldHint: "Ask a question · 请输入问题",
    connectingText: "Connecting… 正在连接…",
    params: { storage: "local" },
    // The page has no use for server-pushed widget rules, and hiding the widget while the
    // connection is down would leave an empty page; the widget shows "Connecting…" instead.
    withRules: false,
    hideWhenNotConnected: false,
    showCloseButton: false,
    // A short "typing" pause instead of the default up to 3 s per message.
    customMessageDelay: function () { return 400; },
    onSocketEvent: { bot_uttered: tagAnswer }
  }, chat);
})();
