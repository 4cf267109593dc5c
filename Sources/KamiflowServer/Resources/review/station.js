// Keyboard first: Enter checks the record with what was typed and moves to the next flagged field (the accept
// button after the last); F8 accepts, F9 opens the reason for rejecting. Enter while an IME is composing is the
// IME's. Served from the station itself (the Content-Security-Policy allows no inline script).
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const section = document.querySelector("section.record");
  if (!section) {
    return;
  }
  document.querySelectorAll(".outline").forEach((outline) => {
    const [left, top, width, height] = outline.dataset.box.split(" ");
    Object.assign(outline.style, { left, top, width, height });
  });
  const form = document.getElementById("accept-form");
  const inputs = Array.from(document.querySelectorAll("input.correction"));
  const acceptButton = document.getElementById("accept");
  const rejectForm = document.getElementById("reject-form");
  const csrf = form.querySelector("input[name=csrf]").value;

  const mark = (input) => {
    document.querySelectorAll(".outline").forEach((o) => o.classList.toggle("current", input !== null && o.dataset.n === input.dataset.n));
  };
  inputs.forEach((input) => input.addEventListener("focus", () => mark(input)));
  acceptButton.addEventListener("focus", () => mark(null));
  if (inputs.length > 0) {
    inputs[0].focus();
    inputs[0].select();
  } else {
    acceptButton.focus();
  }

  const check = async () => {
    const body = new URLSearchParams(new FormData(form));
    const answer = await fetch(section.dataset.check, {
      method: "POST", body: body, credentials: "same-origin",
      headers: { "X-CSRF-Token": csrf },
    });
    if (!answer.ok) {
      return true;
    }
    const result = await answer.json();
    let clean = true;
    inputs.forEach((input) => {
      const messages = result.fields[input.dataset.n] || [];
      const box = document.getElementById("e" + input.dataset.n);
      box.replaceChildren(...messages.map((text) => {
        const span = document.createElement("span");
        span.className = "error";
        span.textContent = text;
        return span;
      }));
      input.closest(".field").classList.toggle("invalid", messages.length > 0);
      if (messages.length > 0) {
        clean = false;
      }
    });
    const whole = document.getElementById("record-errors");
    whole.hidden = result.record.length === 0;
    whole.textContent = result.record.join(document.documentElement.lang === "ja" ? "、" : "; ");
    if (result.record.length > 0) {
      clean = false;
    }
    acceptButton.disabled = !clean;
    return clean;
  };

  inputs.forEach((input, position) => {
    input.addEventListener("keydown", async (event) => {
      if (event.key !== "Enter" || event.isComposing || event.keyCode === 229) {
        return;
      }
      event.preventDefault();
      await check();
      if (input.closest(".field").classList.contains("invalid")) {
        input.select();  // the error is beside it: correct it before moving on
        return;
      }
      input.closest(".field").classList.add("done");
      const next = inputs[position + 1];
      if (next) {
        next.focus();
        next.select();
      } else if (!acceptButton.disabled) {
        acceptButton.focus();
      } else {
        const wrong = inputs.find((i) => i.closest(".field").classList.contains("invalid"));
        (wrong || input).focus();
      }
    });
    input.addEventListener("input", () => {
      acceptButton.disabled = false;
    });
  });

  document.getElementById("reject-open").addEventListener("click", () => {
    rejectForm.hidden = false;
    document.getElementById("reason").focus();
  });
  document.addEventListener("keydown", async (event) => {
    if (event.key === "F8") {
      event.preventDefault();
      if (await check()) {
        form.submit();
      }
    } else if (event.key === "F9") {
      event.preventDefault();
      rejectForm.hidden = false;
      document.getElementById("reason").focus();
    }
  });
});
