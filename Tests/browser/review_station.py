"""The review station driven in real headless Chromium (selenium), as counter staff use it.

Started by the Swift test suite (KamiflowEndToEndTests, "review station in the browser") against a running
`kamiflow review serve` on a journal prepared by real scans. Arguments: a JSON file with

    {"base": "http://127.0.0.1:PORT", "reviewer": [name, password], "supervisor": [name, password],
     "record": "/records/ROW/INDEX", "sensitive_field": "claimant.mynumber", "as_read": "…", "corrected": "…",
     "typed": "the correction as typed (full-width), default corrected", "screenshots": "folder or empty"}

It prints one JSON object on its last line: what it saw, for the Swift test to check. It exits non-zero only when
the browser could not be driven at all; every finding is the Swift side's to judge.
"""

import http.cookiejar
import json
import time
import urllib.parse

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from stationdriver import base, browser, log_in, log_out, plain_post, session_cookies, settings, shot, wait

found = {}


reviewer = browser()
supervisor = browser()
try:
    # A wrong password is refused; a login form without its token is refused.
    log_in(reviewer, [settings["reviewer"][0], "not-the-password"])
    found["wrong_password_refused"] = "/login" in reviewer.current_url
    found["login_without_token"] = plain_post("/login", {"user": settings["reviewer"][0],
                                                         "password": settings["reviewer"][1]},
                                              http.cookiejar.CookieJar())

    # The supervisor opens the record first and reveals the masked values (audited), then leaves.
    log_in(supervisor, settings["supervisor"])
    supervisor.get(base + settings["record"])
    found["supervisor_masked_before_reveal"] = settings["as_read"] not in supervisor.page_source
    supervisor.find_element(By.ID, "reveal").send_keys(Keys.ENTER)
    wait(supervisor, lambda d: "/reveal" in d.current_url)
    found["supervisor_sees_revealed"] = settings["as_read"] in supervisor.page_source
    log_out(supervisor)

    # The reviewer: the queue, then the first record by keyboard alone.
    log_in(reviewer, settings["reviewer"])
    found["queue_title"] = reviewer.title
    found["queue_lists_record"] = settings["record"] in reviewer.page_source
    found["queue_reasons"] = [cell.text for cell in reviewer.find_elements(By.CSS_SELECTOR, ".queue td:nth-child(3)")]
    shot(reviewer, "review-station-queue.png")
    reviewer.switch_to.active_element.send_keys(Keys.ENTER)  # "open the next record" has the focus
    wait(reviewer, lambda d: "/records/" in d.current_url)
    wait(reviewer, lambda d: d.find_elements(By.CSS_SELECTOR, "input.correction"))
    found["record_url"] = urllib.parse.urlparse(reviewer.current_url).path
    found["reviewer_html_has_value"] = settings["as_read"] in reviewer.page_source
    found["reviewer_html_has_corrected"] = settings["corrected"] in reviewer.page_source
    inputs = reviewer.find_elements(By.CSS_SELECTOR, "input.correction")
    found["flagged"] = [i.get_attribute("id") for i in inputs]
    found["flagged_paths"] = [e.text for e in reviewer.find_elements(By.CSS_SELECTOR, ".field .head code")]
    found["focus_on_first"] = reviewer.switch_to.active_element.get_attribute("id") == inputs[0].get_attribute("id")

    # A second browser on the same record: refused while the reviewer holds it.
    log_in(supervisor, settings["supervisor"])
    supervisor.get(base + settings["record"])
    found["second_browser_locked"] = (
        not supervisor.find_elements(By.CSS_SELECTOR, "input.correction")
        and settings["reviewer"][0] in supervisor.page_source)

    # A form post without the CSRF token, with the reviewer's own session cookie: refused, nothing delivered.
    found["accept_without_token"] = plain_post(
        settings["record"] + "/accept", {"f0": "x"}, session_cookies(reviewer))

    # A reviewer may not reveal, even with a valid token: 403, and nothing in clear.
    token = reviewer.find_element(By.NAME, "csrf").get_attribute("value")
    found["reviewer_reveal"] = plain_post(settings["record"] + "/reveal", {"csrf": token}, session_cookies(reviewer))

    # Keyboard only: a wrong value first (the error shows beside the field), then the right one.
    paths = found["flagged_paths"]
    target = paths.index(settings["sensitive_field"]) if settings["sensitive_field"] in paths else 0
    started = time.monotonic()
    for position, path in enumerate(paths):
        active = reviewer.switch_to.active_element
        if position == target:
            active.send_keys(settings["as_read"] + Keys.ENTER)
            error_box = "e" + active.get_attribute("data-n")
            wait(reviewer, lambda d: d.find_element(By.ID, error_box).text.strip() != "")
            found["error_beside_field"] = reviewer.find_element(By.ID, error_box).text
            found["accept_disabled_with_error"] = not reviewer.find_element(By.ID, "accept").is_enabled()
            wait(reviewer, lambda d: d.switch_to.active_element.get_attribute("id") == active.get_attribute("id"))
            active = reviewer.switch_to.active_element
            active.send_keys(Keys.CONTROL + "a")
            active.send_keys(Keys.DELETE)
            # Typed as an IME delivers it once composed: full-width digits (全角), checked and normalised as
            # `review accept --set` does.
            active.send_keys(settings.get("typed", settings["corrected"]) + Keys.ENTER)
        else:
            active.send_keys(Keys.ENTER)
        before = active.get_attribute("id")
        wait(reviewer, lambda d: d.switch_to.active_element.get_attribute("id") != before)
    elapsed = time.monotonic() - started
    found["seconds_per_flagged_field"] = round(elapsed / max(1, len(paths)), 3)
    found["focus_after_last"] = reviewer.switch_to.active_element.get_attribute("id")
    found["errors_after_correction"] = [e.text for e in reviewer.find_elements(By.CSS_SELECTOR, ".errors .error")]
    reviewer.execute_script("window.scrollTo(0, 0)")  # the focus stays on the accept button
    shot(reviewer, "review-station-record.png")
    reviewer.switch_to.active_element.send_keys(Keys.ENTER)  # the accept button
    wait(reviewer, lambda d: "/records/" + found["record_url"].split("/records/")[1] not in d.current_url)
    found["after_accept_url"] = urllib.parse.urlparse(reviewer.current_url).path
    found["after_accept_text"] = reviewer.find_element(By.TAG_NAME, "main").text[:400]
    found["record_gone_from_queue"] = settings["record"] not in reviewer.page_source
    found["urls_without_values"] = all(
        settings["as_read"] not in u and settings["corrected"] not in u and settings.get("typed", "-") not in u
        for u in [found["record_url"], found["after_accept_url"], reviewer.current_url])
finally:
    reviewer.quit()
    supervisor.quit()

print(json.dumps(found, ensure_ascii=False))
