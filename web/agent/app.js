// Agent console: asks /webhooks/agent_assist/suggest for replies to a customer's message and
// copies the chosen one. Suggestion text is customer-influenced, so it is only ever inserted
// with textContent, never as HTML.
"use strict";

(function () {
  const MAX_CHARS = 2000;
  const TOKEN_KEY = "agentAssistToken";
  // Relative to /agent/, so the console keeps working behind a reverse proxy path prefix.
  const API = new URL("../webhooks/agent_assist/", window.location.href);

  const form = document.getElementById("ask");
  const token = document.getElementById("token");
  const sender = document.getElementById("sender");
  const message = document.getElementById("message");
  const k = document.getElementById("k");
  const count = document.getElementById("count");
  const button = document.getElementById("suggest");
  const status = document.getElementById("status");
  const results = document.getElementById("results");
  const template = document.getElementById("suggestion");

  // sessionStorage: the token survives reloads but not the closing of the tab.
  token.value = sessionStorage.getItem(TOKEN_KEY) || "";

  function showStatus(text, kind) {
    status.textContent = text;
    status.className = "status " + (kind || "info");
    status.hidden = !text;
  }

  function updateCount() {
    const n = message.value.length;
    count.textContent = n + " / " + MAX_CHARS;
    count.classList.toggle("over", n > MAX_CHARS);
  }

  async function post(path, body) {
    const response = await fetch(new URL(path, API), {
      method: "POST",
      headers: {
        "Content-Type": "application/json",
        "Authorization": "Bearer " + token.value.trim(),
      },
      body: JSON.stringify(body),
      credentials: "omit",
      cache: "no-store",
    });
    let payload = null;
    try {
      payload = await response.json();
    } catch (e) {
      payload = null;
    }
    return { status: response.status, payload: payload || {} };
  }

  function errorText(status, payload) {
    const reason = payload.error ? " " + payload.error : "";
    if (status === 401) return "The access token was not accepted. Check the token and try again.";
    if (status === 400) return "The request was refused:" + reason;
    if (status === 413) return "The message is too long. Paste only the customer's question.";
    if (status === 503) return "Suggestions are unavailable right now." + reason;
    return "Unexpected answer from the assistant (HTTP " + status + ")." + reason;
  }

  function copyWithTextarea(text) {
    const area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.className = "offscreen";
    document.body.appendChild(area);
    area.select();
    let ok = false;
    try {
      ok = document.execCommand("copy");
    } catch (e) {
      ok = false;
    }
    document.body.removeChild(area);
    return ok;
  }

  async function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      try {
        await navigator.clipboard.writeText(text);
        return true;
      } catch (e) {
        // Permission refused or document not focused: the old way still works in most browsers.
      }
    }
    return copyWithTextarea(text);
  }

  // The suggestion's FAQ section and a link to the official page (and the rules' date).
  function renderSource(element, source) {
    element.textContent = "";
    if (!source || typeof source !== "object") {
      return;
    }
    element.appendChild(document.createTextNode("FAQ: " + source.section + " (" + source.anchor + ") · "));
    const link = document.createElement("a");
    link.href = /^https?:\/\//.test(source.url) ? source.url : "#";
    link.target = "_blank";
    link.rel = "noopener noreferrer";
    link.textContent = source.url;
    element.appendChild(link);
    if (source.rules_valid_as_of) {
      element.appendChild(document.createTextNode(" · rules as of " + source.rules_valid_as_of));
    }
  }

  function render(request, language, suggestions) {
    results.textContent = "";
    suggestions.forEach(function (s, index) {
      const item = template.content.firstElementChild.cloneNode(true);
      const percent = Math.round((Number(s.confidence) || 0) * 100);
      item.querySelector(".rank").textContent = "#" + (index + 1);
      // A compound message gets suggestions per question: show which question each answers.
      item.querySelector(".intent").textContent = s.question ? s.intent + " \u2014 \u201c" + s.question + "\u201d" : s.intent;
      item.querySelector(".fill").style.width = percent + "%";
      item.querySelector(".percent").textContent = percent + "%";
      item.querySelector(".confidence").title = "Confidence " + percent + "%";
      item.querySelector(".text").textContent = s.text;
      renderSource(item.querySelector(".source"), s.source);
      const copy = item.querySelector(".copy");
      copy.addEventListener("click", async function () {
        const ok = await copyText(s.text);
        copy.textContent = ok ? "Copied" : "Copy failed";
        copy.classList.toggle("done", ok);
        setTimeout(function () {
          copy.textContent = "Copy";
          copy.classList.remove("done");
        }, 2000);
        if (ok) recordChoice(request, language, s.intent);
      });
      results.appendChild(item);
    });
  }

  async function recordChoice(request, language, intent) {
    const body = { text: request.text, intent: intent, language: language };
    if (request.sender_id) body.sender_id = request.sender_id;
    try {
      const answer = await post("chosen", body);
      if (answer.status >= 400) {
        showStatus("Copied, but the choice was not recorded: " +
          errorText(answer.status, answer.payload), "warn");
      }
    } catch (e) {
      showStatus("Copied, but the choice was not recorded (the assistant is unreachable).", "warn");
    }
  }

  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    const text = message.value.trim();
    if (!token.value.trim()) {
      showStatus("Enter the access token first.", "error");
      token.focus();
      return;
    }
    if (!text) {
      showStatus("Paste the customer's message first.", "error");
      message.focus();
      return;
    }
    if (text.length > MAX_CHARS) {
      showStatus("The message is longer than " + MAX_CHARS + " characters.", "error");
      message.focus();
      return;
    }
    const request = { text: text, k: Number(k.value) };
    const conversation = sender.value.trim();
    if (conversation) request.sender_id = conversation;

    button.disabled = true;
    showStatus("Finding suggestions…", "info");
    try {
      const answer = await post("suggest", request);
      if (answer.status !== 401) sessionStorage.setItem(TOKEN_KEY, token.value.trim());
      if (answer.status !== 200) {
        results.textContent = "";
        showStatus(errorText(answer.status, answer.payload), "error");
        if (answer.status === 401) token.focus();
        return;
      }
      const suggestions = answer.payload.suggestions || [];
      render(request, answer.payload.language, suggestions);
      if (!suggestions.length) {
        showStatus("No suggestion for this message.", "info");
      } else if (suggestions.length < request.k) {
        showStatus("Showing " + suggestions.length + " of " + request.k +
          ": the other answers are too unlikely to suggest.", "info");
      } else {
        showStatus("", "info");
      }
    } catch (e) {
      showStatus("Cannot reach the assistant. Check that the bot is running.", "error");
    } finally {
      button.disabled = false;
    }
  });

  message.addEventListener("input", updateCount);
  message.addEventListener("keydown", function (event) {
    // Ctrl/Cmd+Enter submits, the usual shortcut in support tools.
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) form.requestSubmit();
  });
  updateCount();
})();
