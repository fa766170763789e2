/*
 * The trial assistant's chat widget: every element with class "trial-chat" becomes a chat with the
 * Rasa server over its Socket.IO channel (socket.io-client, served from this site).
 *
 *   <div class="trial-chat" data-trial="STSINJ" data-server="http://localhost:5005"></div>
 *
 * data-trial (optional) is sent as message metadata, so the same widget serves every trial's page;
 * data-emergency (optional) is the emergency numbers the notice gives (the site settings in trial.yml);
 * data-server is the Rasa server (empty: this page's own origin, as behind the reverse proxy).
 * Bot text is always put in the page as text, never as HTML. The conversation (its session id and
 * what was shown) is kept in sessionStorage, so a reload resumes it and closing the tab forgets it.
 */
(function () {
  "use strict";

  // The emergency numbers come from the page (data-emergency, written from the trial's site settings).
  function notice(emergencyNumbers) {
    return "This assistant gives information from the trial texts. It is not medical advice, and " +
      "only the study team decides who can take part. In an emergency, call your emergency number" +
      (emergencyNumbers ? " (" + emergencyNumbers + ")." : ".");
  }
  // Said of whoever the questions were about ("you" was wrong when they were about a daughter).
  var OUTCOMES = {
    may_be_eligible: "Pre-screen result: taking part may be possible. The study team will confirm.",
    likely_not_eligible: "Pre-screen result: taking part is probably not possible. The study team can confirm.",
    unknown: "Pre-screen result: not known yet. The study team will go over it with you."
  };
  var MAX_CHARS = 1000;          // a patient's message; the server accepts far more, the box needs no more
  var NO_REPLY_MS = 60000;       // after this, say the answer is late instead of showing dots forever

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function TrialChat(root, index) {
    this.root = root;
    this.trial = root.getAttribute("data-trial") || "";
    this.server = root.getAttribute("data-server") || window.location.origin;
    this.storageKey = "trial-chat:" + (this.trial || "all");
    this.state = this.load();
    this.ready = false;
    this.sawQuestion = false;  // whether the current bot turn asked a screening question
    this.build(index);
    this.state.messages.forEach(this.show, this);
    this.showProgress(this.state.progress);
    this.showReplies(this.state.replies);
    this.connect();
  }

  TrialChat.prototype.load = function () {
    // outbox: messages typed while not connected, sent once the session is confirmed (kept over a reload).
    var fresh = { sessionId: null, messages: [], replies: [], progress: null, outbox: [] };
    try {
      var saved = JSON.parse(window.sessionStorage.getItem(this.storageKey));
      if (!saved || !Array.isArray(saved.messages)) return fresh;
      if (!Array.isArray(saved.outbox)) saved.outbox = [];
      return saved;
    } catch (e) {
      return fresh;
    }
  };

  TrialChat.prototype.save = function () {
    try {
      window.sessionStorage.setItem(this.storageKey, JSON.stringify(this.state));
    } catch (e) { /* storage full or disabled: the conversation still works, it just won't survive a reload */ }
  };

  TrialChat.prototype.build = function (index) {
    var id = "trial-chat-" + index;
    var box = el("section", "tc");
    box.setAttribute("aria-labelledby", id + "-title");
    var header = el("div", "tc-header");
    var title = el("h2", "tc-title", "Trial assistant");
    title.id = id + "-title";
    this.restart = el("button", "tc-restart", "New conversation");
    this.restart.type = "button";
    this.restart.addEventListener("click", this.newConversation.bind(this));
    header.append(title, this.restart);

    this.status = el("p", "tc-status");
    this.status.setAttribute("role", "status");
    this.progress = el("div", "tc-progress");
    this.progressText = el("span", "tc-progress-text");
    this.progressBar = el("progress", "tc-progress-bar");
    this.progressBar.setAttribute("aria-hidden", "true");
    this.progress.append(this.progressText, this.progressBar);
    this.progress.hidden = true;

    this.log = el("div", "tc-log");
    this.log.setAttribute("role", "log");
    this.log.setAttribute("aria-live", "polite");
    this.log.setAttribute("aria-label", "Conversation");
    this.log.tabIndex = 0;  // the log scrolls: keyboard users can reach and scroll it
    this.log.appendChild(el("p", "tc-hint", "Ask a question about the trial, for example “What is the purpose of the trial?”, or say “Could I take part?”"));

    this.typing = el("p", "tc-typing", "The assistant is typing…");
    this.typing.hidden = true;
    this.replies = el("div", "tc-replies");
    this.replies.setAttribute("role", "group");
    this.replies.setAttribute("aria-label", "Suggested replies");

    var form = el("form", "tc-form");
    var label = el("label", "tc-label", "Type your message");
    label.htmlFor = id + "-input";
    this.input = el("input", "tc-input");
    this.input.id = id + "-input";
    this.input.type = "text";
    this.input.autocomplete = "off";
    this.input.maxLength = MAX_CHARS;
    var send = el("button", "tc-send", "Send");
    send.type = "submit";
    form.append(label, this.input, send);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var text = this.input.value.trim();
      if (!text) {
        this.setStatus("Please type a question first.");
        return;
      }
      this.input.value = "";
      this.send(text, text);
    }.bind(this));

    box.append(header, el("p", "tc-notice", notice(this.root.getAttribute("data-emergency"))), this.status, this.progress, this.log, this.typing,
      this.replies, form);
    this.root.appendChild(box);
  };

  TrialChat.prototype.connect = function () {
    // Reconnects by itself (socket.io-client's default), with a message while it is away. Starts on
    // HTTP long-polling and upgrades to WebSocket where the network lets it through.
    this.socket = window.io(this.server, { path: "/socket.io", transports: ["polling", "websocket"] });
    this.socket.on("connect", function () {
      this.socket.emit("session_request", { session_id: this.state.sessionId });
    }.bind(this));
    this.socket.on("session_confirm", function (sessionId) {
      this.state.sessionId = sessionId;
      this.save();
      this.ready = true;
      this.setStatus("");
      this.flushing = false;
      if (this.state.outbox.length) this.waiting(true);
      this.flushOutbox();
    }.bind(this));
    var away = function () {
      this.ready = false;
      this.setStatus("Can't reach the assistant right now. Trying to reconnect… Your messages will be sent when it is back.");
    }.bind(this);
    this.socket.on("disconnect", away);
    this.socket.on("connect_error", away);
    this.socket.on("bot_uttered", this.receive.bind(this));
  };

  TrialChat.prototype.setStatus = function (text) {
    this.status.textContent = text;
    this.status.hidden = !text;
  };

  TrialChat.prototype.send = function (text, shown) {
    this.add({ from: "user", text: shown });
    this.showReplies([]);
    this.sawQuestion = false;
    var message = { message: text, metadata: this.trial ? { trial: this.trial } : {} };
    if (this.ready && !this.state.outbox.length) {
      this.emit(message);
    } else {  // offline, or earlier messages still being sent: in order, after them
      this.state.outbox.push(message);
      this.save();
      this.flushOutbox();
    }
    this.waiting(true);
    this.input.focus();
  };

  TrialChat.prototype.emit = function (message) {
    message.session_id = this.state.sessionId;
    // The server acknowledges once it has sent the whole reply: that ends the turn.
    this.socket.emit("user_uttered", message, this.turnOver.bind(this));
  };

  // Messages typed while offline, one at a time, each after the reply to the one before: the server
  // takes a bounded batch of messages per request, and the order of a conversation matters. A message
  // leaves the queue only when the server has answered it, so a new disconnection loses none.
  TrialChat.prototype.flushOutbox = function () {
    if (!this.ready || this.flushing || !this.state.outbox.length) return;
    this.flushing = true;
    var message = this.state.outbox[0];
    message.session_id = this.state.sessionId;
    this.socket.emit("user_uttered", message, function () {
      this.state.outbox.shift();
      this.save();
      this.flushing = false;
      if (this.state.outbox.length) this.flushOutbox();
      else this.turnOver();
    }.bind(this));
  };

  // A turn that asked no screening question (an answer, a stop) ends the progress display.
  TrialChat.prototype.turnOver = function () {
    this.waiting(false);
    if (!this.sawQuestion) this.showProgress(null);
  };

  TrialChat.prototype.waiting = function (on) {
    this.typing.hidden = !on;
    window.clearTimeout(this.lateTimer);
    if (on) {
      this.lateTimer = window.setTimeout(function () {
        this.typing.hidden = true;
        this.setStatus("No answer yet. The assistant may be busy: please try again in a moment.");
      }.bind(this), NO_REPLY_MS);
    }
  };

  TrialChat.prototype.receive = function (message) {
    if (!message || typeof message !== "object") return;
    if (this.status.textContent.indexOf("No answer yet") === 0) this.setStatus("");
    if (typeof message.text === "string" && message.text) {
      this.add({ from: "bot", text: message.text });
    }
    if (Array.isArray(message.quick_replies)) {
      this.showReplies(message.quick_replies.filter(function (r) {
        return r && typeof r.title === "string" && typeof r.payload === "string";
      }).map(function (r) { return { title: r.title, payload: r.payload }; }));
    }
    var custom = message.custom;
    if (custom && custom.type === "answer" && Array.isArray(custom.sources)) {
      this.cite(custom.sources);
    } else if (custom && custom.type === "eligibility_question") {
      this.sawQuestion = true;
      this.showProgress({ step: Number(custom.step), of: Number(custom.of), upTo: custom.up_to === true });
    } else if (custom && custom.type === "eligibility_result") {
      this.sawQuestion = false;
      this.showProgress(null);
      this.add({ from: "bot", kind: "outcome", outcome: String(custom.outcome),
        text: OUTCOMES[custom.outcome] || OUTCOMES.unknown });
    }
  };

  // An answer's sources arrive as data after its text, which the channel sends one paragraph per
  // message (a two-section answer is two bubbles). Each source goes under the bubble of this turn
  // whose "(Source: …)" names it, on a line of its own or after a quote (written for plain-text
  // channels, such as rasa shell, and not shown here); a source no bubble names goes under the last one.
  TrialChat.prototype.cite = function (sources) {
    var messages = this.state.messages;
    var cited = sources.filter(function (s) {
      return s && typeof s.citation === "string";
    }).map(function (s) { return s.citation; });
    var first = messages.length;
    while (first > 0 && messages[first - 1].from === "bot" && !messages[first - 1].sources) first--;
    if (!cited.length || first === messages.length) return;
    var left = cited;
    for (var i = first; i < messages.length; i++) {
      var text = messages[i].text;
      messages[i].sources = left.filter(function (c) { return text.indexOf(sourceLine(c)) >= 0; });
      left = left.filter(function (c) { return messages[i].sources.indexOf(c) < 0; });
    }
    messages[messages.length - 1].sources = messages[messages.length - 1].sources.concat(left);
    this.save();
    var nodes = this.log.querySelectorAll(".tc-msg");
    for (var j = first; j < messages.length; j++) {
      var node = this.render(messages[j]);
      this.log.replaceChild(node, nodes[j]);
      if (j === messages.length - 1) this.lastNode = node;
    }
  };

  function sourceLine(citation) {
    return "(Source: " + citation + ")";
  }

  TrialChat.prototype.add = function (message) {
    this.state.messages.push(message);
    this.save();
    this.show(message);
  };

  TrialChat.prototype.show = function (message) {
    this.lastNode = this.render(message);
    this.log.appendChild(this.lastNode);
    this.log.scrollTop = this.log.scrollHeight;
  };

  TrialChat.prototype.render = function (message) {
    var item = el("div", "tc-msg tc-" + (message.from === "user" ? "user" : "bot") +
      (message.kind === "outcome" ? " tc-outcome tc-outcome-" + message.outcome : ""));
    item.appendChild(el("span", "tc-visually-hidden", message.from === "user" ? "You said: " : "Assistant: "));
    var sources = message.sources || (message.source ? [message.source] : []);
    var lines = [];
    message.text.split("\n").forEach(function (line) {
      var left = sources.reduce(function (rest, source) { return rest.split(sourceLine(source)).join(""); }, line);
      if (left.trim() || !line.trim()) lines.push(left.trimEnd());  // a line that was only a source goes
    });
    item.appendChild(el("p", "tc-text", lines.join("\n").trim()));
    sources.forEach(function (source) {
      var cite = el("p", "tc-cite");
      cite.append(el("span", "tc-cite-label", "Source: "), el("cite", "", source));
      item.appendChild(cite);
    });
    return item;
  };

  TrialChat.prototype.showReplies = function (replies) {
    this.state.replies = replies || [];
    this.save();
    this.replies.textContent = "";
    this.state.replies.forEach(function (reply) {
      var button = el("button", "tc-reply", reply.title);
      button.type = "button";
      button.addEventListener("click", this.send.bind(this, reply.payload, reply.title));
      this.replies.appendChild(button);
    }, this);
    this.replies.hidden = !this.state.replies.length;
  };

  TrialChat.prototype.showProgress = function (progress) {
    var valid = progress && progress.step > 0 && progress.of >= progress.step;
    this.state.progress = valid ? progress : null;
    this.save();
    this.progress.hidden = !valid;
    if (valid) {
      this.progressText.textContent = "Eligibility pre-screen: question " + progress.step + " of " + (progress.upTo ? "up to " : "") + progress.of;
      this.progressBar.max = progress.of;
      this.progressBar.value = progress.step;
    }
  };

  // Forgets this conversation in the browser and starts a new one with a new session id.
  TrialChat.prototype.newConversation = function () {
    this.state = { sessionId: null, messages: [], replies: [], progress: null, outbox: [] };
    this.flushing = false;
    this.save();
    Array.prototype.slice.call(this.log.querySelectorAll(".tc-msg")).forEach(function (n) { n.remove(); });
    this.showReplies([]);
    this.showProgress(null);
    this.waiting(false);
    this.ready = false;
    if (this.socket.connected) this.socket.emit("session_request", { session_id: null });
    this.input.focus();
  };

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll(".trial-chat"), function (root, index) {
      if (typeof window.io !== "function") {  // socket.io-client did not load: nothing to connect with
        root.appendChild(el("p", "tc-status", "The chat could not load. Please reload the page."));
        return;
      }
      root.trialChat = new TrialChat(root, index);
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
