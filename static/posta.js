// Posta's only script, and only a convenience: every page works without it.
// - The message list gets a "select all on this page" checkbox in its header, in place of
//   the link that reloads the page with everything selected.
// - "Move" with no folder chosen points at the folder menu instead of posting.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  for (const form of document.querySelectorAll("form.list-form")) {
    const all = form.querySelector("input.pick-all");
    const boxes = () => Array.from(form.querySelectorAll('input[name="uid"]'));
    const link = form.querySelector("a.select-page");
    if (all) {
      const sync = () => {
        const checked = boxes().filter((b) => b.checked).length;
        all.checked = checked > 0 && checked === boxes().length;
        all.indeterminate = checked > 0 && checked < boxes().length;
      };
      all.hidden = false;
      if (link) link.hidden = true;
      all.addEventListener("change", () => {
        for (const b of boxes()) b.checked = all.checked;
      });
      form.addEventListener("change", (e) => {
        if (e.target !== all) sync();
      });
      sync();
    }
  }

  for (const form of document.querySelectorAll("form.list-form, form.message-actions")) {
    form.addEventListener("submit", (e) => {
      const target = form.querySelector('select[name="target"]');
      if (e.submitter && e.submitter.value === "move" && target && !target.value) {
        e.preventDefault();
        target.focus();
      }
    });
  }
});

// Before an idle sign-out, a warning with a countdown and "Stay signed in"; when the time is
// up, the page itself goes to the sign-in form, so a kiosk screen does not keep showing mail.
// Asking how long is left (GET /session) does not count as activity; the button does.
document.addEventListener("DOMContentLoaded", () => {
  const warning = document.querySelector(".idle-warning");
  if (!warning) return;
  const warn = Number(warning.dataset.warn) || 120;
  const countdown = warning.querySelector(".countdown");
  const form = warning.querySelector("form");
  let timer;
  let ticking;
  const end = () => location.replace("/login?expired=1");
  const schedule = (seconds) => {
    clearTimeout(timer);
    timer = setTimeout(check, Math.max(seconds, 0.5) * 1000);
  };
  const show = (left) => {
    const deadline = Date.now() + left * 1000;
    const paint = () => {
      const s = Math.max(0, Math.ceil((deadline - Date.now()) / 1000));
      countdown.textContent = `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
    };
    paint();
    clearInterval(ticking);
    ticking = setInterval(paint, 1000);
    warning.hidden = false;
  };
  const hide = () => {
    clearInterval(ticking);
    warning.hidden = true;
  };
  const react = (status, left) => {
    if (status === 401 || left <= 0) return end();
    if (left <= warn) {
      show(left);
      schedule(Math.min(left, 5));
    } else {
      hide();
      schedule(left - warn);
    }
  };
  const check = async () => {
    try {
      const r = await fetch("/session", { cache: "no-store", credentials: "same-origin" });
      react(r.status, Number(await r.text()));
    } catch {
      schedule(15);
    }
  };
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    try {
      const r = await fetch("/session", {
        method: "POST",
        body: new URLSearchParams(new FormData(form)),
        credentials: "same-origin",
      });
      react(r.redirected ? 401 : r.status, Number(await r.text()));
    } catch {
      schedule(15);
    }
  });
  const left = Number(warning.dataset.left);
  schedule(left - warn);
});
