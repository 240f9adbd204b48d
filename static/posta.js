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
