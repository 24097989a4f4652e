// A link to the other edition of this page, in the menu bar of every page.
//
// The English book is built into book/ and the Korean one into book/ko/, from
// the same sources (po/ko.po translates them), so a page has the same file name
// in both: book/debug-mode.html and book/ko/debug-mode.html. mdBook tells each
// page where its book's root is (`path_to_root`), and the page's language is
// the `lang` of <html>, which comes from book.language.
(function () {
  "use strict";
  const korean = document.documentElement.lang === "ko";
  // This edition's root: path_to_root is "" on a page at the root, "../" one level down.
  const root = new URL(path_to_root || "./", window.location.href);
  const here = window.location.pathname;
  // The page's path inside its edition, "debug-mode.html" (or "" for the root).
  const page = here.startsWith(root.pathname) ? here.slice(root.pathname.length) : "";
  const other = new URL(korean ? "../" : "ko/", root);
  const href = new URL(page, other).href;

  const link = document.createElement("a");
  link.href = href;
  link.hreflang = korean ? "en" : "ko";
  link.lang = korean ? "en" : "ko";
  link.className = "language-picker";
  link.textContent = korean ? "English" : "한국어";
  link.title = korean ? "Read this page in English" : "이 페이지를 한국어로 읽기";
  link.style.cssText = "font-size: 1.4rem; font-weight: bold; margin-inline: 0.6rem; text-decoration: none;";

  const buttons = document.querySelector("#mdbook-menu-bar .right-buttons, #menu-bar .right-buttons");
  if (buttons) {
    buttons.prepend(link);
  }

  const alternate = document.createElement("link");
  alternate.rel = "alternate";
  alternate.hreflang = link.hreflang;
  alternate.href = href;
  document.head.append(alternate);
})();
