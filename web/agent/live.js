// Agent console, live handoffs: the inbox (waiting, mine), the open conversation's context,
// transcript and three suggested replies, the reply editor, claim and release, over
// /webhooks/agent/conversations. Updates by polling every 2 seconds (no reload). Everything the
// user or the bot wrote is inserted with textContent, never as HTML.
"use strict";

(function () {
  const POLL_MS = 2000;
  const TOKEN_KEY = "agentAssistToken";
  const API = new URL("../webhooks/agent/conversations", window.location.href);

  const token = document.getElementById("token");
  const statusLine = document.getElementById("live-status");
  const waitingList = document.getElementById("inbox-waiting");
  const mineList = document.getElementById("inbox-mine");
  const countWaiting = document.getElementById("count-waiting");
  const countMine = document.getElementById("count-mine");
  const article = document.getElementById("conversation");
  const title = document.getElementById("conv-title");
  const contextList = document.getElementById("conv-context");
  const claimButton = document.getElementById("claim");
  const releaseButton = document.getElementById("release");
  const transcript = document.getElementById("transcript");
  const suggestionsBox = document.getElementById("live-suggestions");
  const replyForm = document.getElementById("reply");
  const replyText = document.getElementById("reply-text");
  const replySource = document.getElementById("reply-source");

  let current = null; // sender_id of the open conversation
  let chosen = null; // intent of the suggestion put in the editor
  let lastEvents = ""; // what the transcript shows, to redraw only on change
  let lastSuggestionsFor = null;

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function showStatus(text, kind) {
    statusLine.textContent = text || "";
    statusLine.className = "status " + (kind || "info");
    statusLine.hidden = !text;
  }

  function authToken() {
    return token.value.trim();
  }

  async function call(method, path, body) {
    const response = await fetch(API.href + path, {
      method: method,
      headers: Object.assign(
        { "Authorization": "Bearer " + authToken() },
        body ? { "Content-Type": "application/json" } : {}
      ),
      body: body ? JSON.stringify(body) : undefined,
      credentials: "omit",
      cache: "no-store",
    });
    let payload = {};
    try {
      payload = (await response.json()) || {};
    } catch (e) {
      payload = {};
    }
    return { status: response.status, payload: payload };
  }

  function time(seconds) {
    if (!seconds) return "";
    return new Date(seconds * 1000).toLocaleTimeString();
  }

  function waited(seconds) {
    const minutes = Math.max(0, Math.floor((Date.now() / 1000 - seconds) / 60));
    return minutes < 1 ? "just now" : minutes + " min";
  }

  function inboxItem(conversation) {
    const item = el("li");
    const button = el("button", "inbox-item");
    button.type = "button";
    button.setAttribute("data-sender", conversation.sender_id);
    if (conversation.sender_id === current) button.setAttribute("aria-current", "true");
    button.appendChild(el("span", "who", conversation.sender_id.slice(0, 12)));
    button.appendChild(el("span", "lang", conversation.language));
    button.appendChild(el("span", "since", waited(conversation.waiting_since)));
    if (conversation.timed_out) button.appendChild(el("span", "late", "timed out"));
    button.appendChild(el("span", "preview", conversation.last_message || ""));
    button.addEventListener("click", function () { open(conversation.sender_id); });
    item.appendChild(button);
    return item;
  }

  function fillList(list, conversations) {
    list.textContent = "";
    conversations.forEach(function (c) { list.appendChild(inboxItem(c)); });
    if (!conversations.length) list.appendChild(el("li", "empty", "None"));
  }

  async function refreshInbox() {
    const answer = await call("GET", "?status=all");
    if (answer.status !== 200) {
      showStatus(answer.status === 401
        ? "The access token was not accepted."
        : "Conversations are unavailable (HTTP " + answer.status + ").", "error");
      return false;
    }
    const me = answer.payload.agent;
    const all = answer.payload.conversations || [];
    const waiting = all.filter(function (c) { return c.status === "waiting"; });
    const mine = all.filter(function (c) { return c.status === "active" && c.agent === me; });
    fillList(waitingList, waiting);
    fillList(mineList, mine);
    countWaiting.textContent = String(waiting.length);
    countMine.textContent = String(mine.length);
    showStatus("Signed in as " + me + ".", "info");
    return true;
  }

  function contextRow(term, value) {
    if (value === undefined || value === null || value === "" ||
        (Array.isArray(value) && !value.length)) return;
    contextList.appendChild(el("dt", null, term));
    contextList.appendChild(el("dd", null, Array.isArray(value) ? value.join("; ") : value));
  }

  function renderContext(c) {
    contextList.textContent = "";
    contextRow("Status", c.status === "active" ? "with " + c.holder : c.status);
    contextRow("Language", c.language);
    const details = c.details || {};
    Object.keys(details).forEach(function (k) { contextRow(k.replace("_", " "), details[k]); });
    contextRow("Topics answered", c.topics);
    contextRow("Not answered", c.unanswered);
    const feedback = c.feedback || {};
    if (feedback.helpful || feedback.not_helpful) {
      contextRow("Ratings", (feedback.helpful || 0) + " helpful, " +
        (feedback.not_helpful || 0) + " not helpful");
    }
    contextRow("Waiting since", time(c.waiting_since));
  }

  function renderTranscript(events) {
    const key = JSON.stringify(events);
    if (key === lastEvents) return;
    lastEvents = key;
    transcript.textContent = "";
    events.forEach(function (e) {
      if (e.type === "handoff") {
        transcript.appendChild(el("li", "msg handoff", e.text === "pause"
          ? "— handed to agents —" : "— back with the bot —"));
        return;
      }
      const item = el("li", "msg " + e.type);
      const who = e.type === "agent" ? "Agent " + e.agent : e.type === "user" ? "User" : "Bot";
      item.appendChild(el("span", "who", who + " · " + time(e.timestamp)));
      item.appendChild(el("div", "text", e.text));
      if (e.buttons) item.appendChild(el("div", "buttons", "[" + e.buttons.join("] [") + "]"));
      transcript.appendChild(item);
    });
    transcript.scrollTop = transcript.scrollHeight;
  }

  function useSuggestion(s) {
    replyText.value = s.text;
    chosen = s.intent;
    replySource.textContent = "From suggestion " + s.intent + " (edit freely)";
    replyText.focus();
  }

  function renderSuggestions(c) {
    if (c.suggestions_for === lastSuggestionsFor && suggestionsBox.childElementCount) return;
    lastSuggestionsFor = c.suggestions_for;
    suggestionsBox.textContent = "";
    if (!c.suggestions || !c.suggestions.length) return;
    suggestionsBox.appendChild(el("p", "for", "Suggested replies to: " + c.suggestions_for));
    const list = el("ol", "suggestion-list");
    c.suggestions.forEach(function (s, index) {
      const item = el("li", "card suggestion");
      const button = el("button", "use", "Use #" + (index + 1) + " · " + s.intent);
      button.type = "button";
      button.addEventListener("click", function () { useSuggestion(s); });
      item.appendChild(button);
      item.appendChild(el("div", "text", s.text));
      if (s.source) item.appendChild(el("div", "source", "FAQ: " + s.source));
      list.appendChild(item);
    });
    suggestionsBox.appendChild(list);
  }

  async function refreshConversation() {
    if (!current) return;
    const answer = await call("GET", "/" + encodeURIComponent(current));
    if (answer.status !== 200) {
      showStatus("This conversation is unavailable (HTTP " + answer.status + ").", "error");
      return;
    }
    const c = answer.payload;
    title.textContent = "Conversation " + c.sender_id;
    renderContext(c);
    renderTranscript(c.events || []);
    renderSuggestions(c);
    const mine = c.status === "active" && c.holder === c.agent;
    claimButton.hidden = c.status !== "waiting";
    releaseButton.hidden = !mine;
    replyForm.hidden = !mine;
  }

  async function open(senderId) {
    current = senderId;
    lastEvents = "";
    lastSuggestionsFor = null;
    chosen = null;
    replyText.value = "";
    replySource.textContent = "";
    article.hidden = false;
    await refreshConversation();
    await refreshInbox();
    (claimButton.hidden ? replyText : claimButton).focus();
  }

  claimButton.addEventListener("click", async function () {
    const answer = await call("POST", "/" + encodeURIComponent(current) + "/claim");
    if (answer.status !== 200) {
      showStatus(answer.payload.error || "Claim refused (HTTP " + answer.status + ").", "error");
    }
    await refreshConversation();
    await refreshInbox();
    if (answer.status === 200) replyText.focus();
  });

  releaseButton.addEventListener("click", async function () {
    const answer = await call("POST", "/" + encodeURIComponent(current) + "/release");
    if (answer.status !== 200) {
      showStatus(answer.payload.error || "Release refused (HTTP " + answer.status + ").", "error");
    }
    await refreshConversation();
    await refreshInbox();
  });

  replyForm.addEventListener("submit", async function (event) {
    event.preventDefault();
    const text = replyText.value.trim();
    if (!text) {
      replyText.focus();
      return;
    }
    const answer = await call("POST", "/" + encodeURIComponent(current) + "/messages",
      { text: text, suggestion: chosen });
    if (answer.status !== 200) {
      showStatus(answer.payload.error || "Not sent (HTTP " + answer.status + ").", "error");
      return;
    }
    replyText.value = "";
    chosen = null;
    replySource.textContent = answer.payload.delivered ? "Sent." : "Saved: this user's channel cannot receive it live.";
    await refreshConversation();
  });

  replyText.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) replyForm.requestSubmit();
  });

  async function poll() {
    if (authToken()) {
      try {
        if (await refreshInbox()) {
          sessionStorage.setItem(TOKEN_KEY, authToken());
          await refreshConversation();
        }
      } catch (e) {
        showStatus("Cannot reach the assistant.", "error");
      }
    }
    setTimeout(poll, POLL_MS);
  }

  token.value = token.value || sessionStorage.getItem(TOKEN_KEY) || "";
  poll();
})();
