// "Check a photo": sends an image to POST /webhooks/precheck and shows each check's result.
// Shared by the help page (/help/) and the agent console (/agent/, which loads it from
// ../help/precheck.js). It mounts itself on every element with a data-precheck attribute:
//   data-precheck-lang="auto"   the page language: Chinese for a Chinese browser, else English
//   data-precheck-lang="choose" a language menu (the agent console: the customer's language)
// Everything is built with createElement/textContent: server messages are never parsed as HTML.
// The image goes only to the check API; nothing is stored in the browser.
(function () {
  "use strict";

  var MAX_UPLOAD_BYTES = 20 * 1024 * 1024; // the API's limit (413 above)
  var TEXT = {
    en: {
      title: "Check a photo",
      summary: "Check a photo before uploading it",
      intro: "Format, size, colour, sharpness and exposure of a document image, checked against the FAQ's image requirements. The image is checked in memory and not stored.",
      drop: "Drop an image here",
      choose: "Choose a file",
      camera: "Take a photo",
      checking: "Checking…",
      ok: "No problems found. The check cannot tell whether the document is complete and valid: make sure it is.",
      notOk: "Problems found:",
      notChecked: "not checked",
      passed: "OK",
      failed: "Problem",
      source: "FAQ: ",
      fileInfo: function (r) {
        return r.format.toUpperCase() + ", " + mb(r.bytes) + " MB" +
          (r.width && r.height ? ", " + r.width + " × " + r.height + " px" : "");
      },
      tooLarge: function (bytes) {
        return "This file is " + mb(bytes) + " MB, far over the FAQ's limit of 4 MB per image. Reduce it (save it as JPEG, or with fewer pixels) and check it again.";
      },
      error: {
        400: "This file could not be sent for checking. Choose an image file.",
        413: "This file is too large to check (over 20 MB). The FAQ allows at most 4 MB per image.",
        429: "Too many checks in a short time. Please wait a minute and try again.",
        503: "The photo check is busy or unavailable. Please try again in a moment.",
        other: "The photo check is unavailable right now. Please try again later."
      },
      checks: {
        format: "Format (.jpg, .jpeg, .png, .gif)",
        size: "File size (at most 4 MB)",
        unreadable: "Readable file",
        small: "Enough pixels",
        grayscale: "Colour",
        blurry: "Sharpness",
        exposure: "Exposure"
      },
      language: "Messages in"
    },
    zh: {
      title: "检查照片",
      summary: "上传前检查照片",
      intro: "按FAQ的图片要求检查证件图片的格式、大小、色彩、清晰度和曝光。图片只在内存中检查，不会保存。",
      drop: "把图片拖到这里",
      choose: "选择文件",
      camera: "拍照",
      checking: "正在检查…",
      ok: "没有发现问题。本检查无法判断证件是否完整、有效，请自行确认。",
      notOk: "发现以下问题：",
      notChecked: "未检查",
      passed: "通过",
      failed: "有问题",
      source: "FAQ：",
      fileInfo: function (r) {
        return r.format.toUpperCase() + "，" + mb(r.bytes) + " MB" +
          (r.width && r.height ? "，" + r.width + " × " + r.height + " 像素" : "");
      },
      tooLarge: function (bytes) {
        return "这个文件有 " + mb(bytes) + " MB，远超FAQ规定的单张图片 4 MB 上限。请压缩（存为 JPEG 或缩小像素尺寸）后再检查。";
      },
      error: {
        400: "无法发送这个文件进行检查，请选择图片文件。",
        413: "文件太大（超过 20 MB），无法检查。FAQ 规定单张图片不超过 4 MB。",
        429: "短时间内检查次数太多，请稍等一分钟再试。",
        503: "照片检查繁忙或暂不可用，请稍后再试。",
        other: "照片检查暂时不可用，请稍后再试。"
      },
      checks: {
        format: "格式（.jpg、.jpeg、.png、.gif）",
        size: "文件大小（不超过 4 MB）",
        unreadable: "文件可读取",
        small: "像素足够",
        grayscale: "彩色",
        blurry: "清晰度",
        exposure: "曝光"
      },
      language: "提示语言"
    }
  };
  // Rows of the result, in order, and the problem codes each one reports.
  var CHECKS = [
    ["format", ["format"]],
    ["size", ["size"]],
    ["unreadable", ["unreadable"]],
    ["small", ["small"]],
    ["exposure", ["dark", "overexposed"]],
    ["grayscale", ["grayscale"]],
    ["blurry", ["blurry"]]
  ];

  function mb(bytes) {
    return (bytes / (1024 * 1024)).toFixed(bytes < 1024 * 1024 ? 2 : 1);
  }

  function browserLanguage() {
    return (navigator.language || "").toLowerCase().indexOf("zh") === 0 ? "zh" : "en";
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // Which rows were not checked: the server stops at a wrong format or an unreadable file,
  // and judges colour and sharpness only on a well-exposed image.
  function statusOf(check, codes, present) {
    if (codes.some(function (c) { return present[c]; })) return "fail";
    var stopped = present.format || present.unreadable;
    if (stopped && check !== "format" && check !== "size") return "skipped";
    if ((present.dark || present.overexposed) && (check === "grayscale" || check === "blurry")) {
      return "skipped";
    }
    return "pass";
  }

  function mount(root) {
    var mode = root.getAttribute("data-precheck-lang") || "auto";
    var lang = browserLanguage();
    var endpoint = new URL("../webhooks/precheck", window.location.href);
    var lastResult = null;
    var lastFile = null;

    root.classList.add("precheck");
    root.textContent = "";
    var title = el("h2", "precheck__title");
    var intro = el("p", "precheck__intro");
    var drop = el("div", "precheck__drop");
    drop.setAttribute("role", "group");
    var dropText = el("p", "precheck__drop-text");
    var actions = el("div", "precheck__actions");

    function fileInput(id, capture) {
      var input = el("input", "precheck__input");
      input.type = "file";
      input.accept = "image/*";
      input.id = id;
      if (capture) input.setAttribute("capture", "environment");
      input.addEventListener("change", function () {
        if (input.files && input.files[0]) check(input.files[0]);
        input.value = ""; // the same file can be chosen again after a retake
      });
      return input;
    }
    var uid = "precheck-" + Math.random().toString(36).slice(2, 8);
    var chooseInput = fileInput(uid + "-file", false);
    var cameraInput = fileInput(uid + "-camera", true);
    var chooseLabel = el("label", "precheck__button");
    chooseLabel.htmlFor = chooseInput.id;
    var cameraLabel = el("label", "precheck__button precheck__button--camera");
    cameraLabel.htmlFor = cameraInput.id;
    actions.appendChild(chooseInput);
    actions.appendChild(chooseLabel);
    // capture opens the camera directly; only phones and tablets have one to point at a page.
    if (window.matchMedia && window.matchMedia("(pointer: coarse)").matches) {
      actions.appendChild(cameraInput);
      actions.appendChild(cameraLabel);
    }
    drop.appendChild(dropText);
    drop.appendChild(actions);

    var languageRow = null;
    var languageSelect = null;
    if (mode === "choose") {
      languageRow = el("label", "precheck__language");
      languageSelect = el("select");
      [["en", "English"], ["zh", "中文"]].forEach(function (option) {
        var node = el("option", null, option[1]);
        node.value = option[0];
        languageSelect.appendChild(node);
      });
      languageSelect.value = "en";
      lang = "en";
      languageSelect.addEventListener("change", function () {
        lang = languageSelect.value;
        render();
        if (lastFile) check(lastFile); // the messages come from the server, in one language
      });
    }

    var status = el("p", "precheck__status");
    status.setAttribute("role", "status");
    status.setAttribute("aria-live", "polite");
    var result = el("div", "precheck__result");

    root.appendChild(title);
    root.appendChild(intro);
    if (languageRow) {
      root.appendChild(languageRow);
    }
    root.appendChild(drop);
    root.appendChild(status);
    root.appendChild(result);

    function render() {
      var text = TEXT[lang];
      title.textContent = text.title;
      intro.textContent = text.intro;
      dropText.textContent = text.drop;
      chooseLabel.textContent = text.choose;
      cameraLabel.textContent = text.camera;
      if (languageRow) {
        languageRow.textContent = text.language + " ";
        languageRow.appendChild(languageSelect);
      }
      if (lastResult) showResult(lastResult);
    }

    function showMessage(message, kind) {
      status.textContent = message;
      status.className = "precheck__status" + (kind ? " precheck__status--" + kind : "");
    }

    function showResult(r) {
      var text = TEXT[lang];
      result.textContent = "";
      var present = {};
      (r.problems || []).forEach(function (p) { present[p.code] = p.message; });
      showMessage(r.ok ? text.ok : text.notOk, r.ok ? "ok" : "problem");
      result.appendChild(el("p", "precheck__file", text.fileInfo(r)));
      var list = el("ul", "precheck__checks");
      CHECKS.forEach(function (entry) {
        var check = entry[0];
        var state = statusOf(check, entry[1], present);
        var item = el("li", "precheck__check precheck__check--" + state);
        item.setAttribute("data-check", check);
        item.setAttribute("data-status", state);
        var label = state === "pass" ? text.passed : state === "fail" ? text.failed : text.notChecked;
        var head = el("span", "precheck__check-name", text.checks[check]);
        var badge = el("span", "precheck__badge", label);
        item.appendChild(badge);
        item.appendChild(head);
        entry[1].forEach(function (code) {
          if (present[code]) {
            var message = el("p", "precheck__message", present[code]);
            message.setAttribute("data-code", code);
            item.appendChild(message);
          }
        });
        list.appendChild(item);
      });
      result.appendChild(list);
      if (r.source) {
        result.appendChild(el("p", "precheck__source", text.source + r.source));
      }
    }

    function check(file) {
      var text = TEXT[lang];
      lastFile = file;
      lastResult = null;
      result.textContent = "";
      if (file.size > MAX_UPLOAD_BYTES) {
        showMessage(text.tooLarge(file.size), "problem"); // no need to upload it to know
        return;
      }
      showMessage(text.checking, "busy");
      root.classList.add("precheck--busy");
      var type = /^image\//i.test(file.type || "") ? file.type : "application/octet-stream";
      var url = new URL(endpoint.href);
      url.searchParams.set("lang", lang);
      fetch(url.href, {
        method: "POST",
        headers: { "Content-Type": type },
        body: file,
        credentials: "omit",
        cache: "no-store"
      }).then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (body) {
          if (file !== lastFile) return; // a newer file was chosen meanwhile
          if (response.status === 200 && body && Array.isArray(body.problems)) {
            lastResult = body;
            showResult(body);
          } else {
            showMessage(text.error[response.status] || text.error.other, "error");
          }
        });
      }).catch(function () {
        if (file === lastFile) showMessage(text.error.other, "error");
      }).then(function () {
        root.classList.remove("precheck--busy");
      });
    }

    ["dragenter", "dragover"].forEach(function (name) {
      drop.addEventListener(name, function (event) {
        event.preventDefault();
        drop.classList.add("precheck__drop--over");
      });
    });
    ["dragleave", "drop"].forEach(function (name) {
      drop.addEventListener(name, function (event) {
        event.preventDefault();
        drop.classList.remove("precheck__drop--over");
      });
    });
    drop.addEventListener("drop", function (event) {
      var files = event.dataTransfer && event.dataTransfer.files;
      if (files && files[0]) check(files[0]);
    });

    render();
    return { check: check };
  }

  // Opens a collapsed panel (the help page on a phone) when the page or a chat answer links to
  // #precheck, and moves the focus to it.
  function reveal() {
    var panel = document.getElementById("precheck");
    if (!panel) return;
    var details = panel.closest("details");
    if (details) details.open = true;
    var input = panel.querySelector(".precheck__input");
    if (panel.scrollIntoView) panel.scrollIntoView({ block: "nearest" });
    if (input) input.focus();
  }

  function start() {
    var roots = document.querySelectorAll("[data-precheck]");
    for (var i = 0; i < roots.length; i++) mount(roots[i]);
    // Beside the chat (wide screens, see style.css) the panel is open from the start.
    var panel = document.getElementById("precheck-panel");
    if (panel && panel.classList.contains("precheck-panel") && window.matchMedia &&
        window.matchMedia("(min-width: 1100px)").matches) {
      panel.open = true;
    }
    if (window.location.hash === "#precheck") reveal();
    window.addEventListener("hashchange", function () {
      if (window.location.hash === "#precheck") reveal();
    });
    // A link to /help/#precheck inside a chat answer: open the panel here instead of a new tab.
    document.addEventListener("click", function (event) {
      var link = event.target && event.target.closest ? event.target.closest("a[href]") : null;
      if (!link || !document.getElementById("precheck")) return;
      var target = new URL(link.getAttribute("href"), window.location.href);
      if (target.hash === "#precheck" && target.pathname === window.location.pathname) {
        event.preventDefault();
        reveal();
      }
    }, true);
  }

  window.IcpPrecheck = { mount: mount };
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
