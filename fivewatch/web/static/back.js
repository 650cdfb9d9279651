// The error page's "Previous page" link: history.back(), shown only when there is a page to go
// back to. No Referer to link to instead: every page is sent with Referrer-Policy: no-referrer.
for (const link of document.querySelectorAll("a[data-back]")) {
  if (window.history.length > 1) {
    link.hidden = false;
    link.addEventListener("click", (event) => {
      event.preventDefault();
      window.history.back();
    });
  }
}
