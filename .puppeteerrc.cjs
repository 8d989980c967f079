// wa-sessions drives Debian's Chromium (or CHROME_PATH); puppeteer must never download a browser.
/** @type {import('puppeteer').Configuration} */
module.exports = {
  skipDownload: true,
};
