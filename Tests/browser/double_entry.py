"""Double entry (ダブルチェック) in real headless Chromium: two reviewers key a record's double-entry field blind;
they differ, so the record goes to a supervisor, who sees both entries (after an audited reveal, the field being
sensitive), keys the value and accepts it. Started by the Swift test suite like review_station.py; settings:

    {"base": …, "reviewers": [[name, password], [name, password]], "supervisor": [name, password],
     "record": "/records/ROW/INDEX", "field": "account.number", "right": "…", "wrong": "…",
     "corrections": {"claimant.mynumber": "…"}, "screenshots": "folder or empty"}

Prints one JSON object on its last line: what it saw.
"""

import json
import urllib.parse

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from stationdriver import base, browser, flagged_paths, key_fields, log_in, log_out, settings, shot, wait

found = {}
record = settings["record"]
first, second = settings["reviewers"]
driver = browser()
try:
    # The first reviewer keys the field blind (the value read is not in the page) and accepts: kept, not sent.
    log_in(driver, first)
    driver.get(base + record)
    found["first_paths"] = flagged_paths(driver)
    found["first_page_has_right"] = settings["right"] in driver.page_source
    key_fields(driver, dict(settings["corrections"], **{settings["field"]: settings["right"]}))
    driver.switch_to.active_element.send_keys(Keys.ENTER)
    wait(driver, lambda d: record not in d.current_url)
    found["queue_after_first"] = driver.find_element(By.TAG_NAME, "main").text
    driver.get(base + record)
    found["first_again"] = driver.find_element(By.TAG_NAME, "main").text
    log_out(driver)

    # The second reviewer keys another value, blind: the entries differ.
    log_in(driver, second)
    driver.get(base + record)
    found["second_page_has_right"] = settings["right"] in driver.page_source
    key_fields(driver, dict(settings["corrections"], **{settings["field"]: settings["wrong"]}))
    driver.switch_to.active_element.send_keys(Keys.ENTER)
    wait(driver, lambda d: record not in d.current_url)
    driver.get(base + record)
    found["second_again"] = driver.find_element(By.TAG_NAME, "main").text
    log_out(driver)

    # The supervisor: both entries, masked until revealed; keys the right value and accepts.
    log_in(driver, settings["supervisor"])
    driver.get(base + "/")
    found["supervisor_queue"] = driver.find_element(By.TAG_NAME, "main").text
    driver.get(base + record)
    found["supervisor_masked"] = settings["right"] not in driver.page_source and settings["wrong"] not in driver.page_source
    driver.find_element(By.ID, "reveal").send_keys(Keys.ENTER)
    wait(driver, lambda d: "/reveal" in d.current_url)
    found["supervisor_sees_both"] = settings["right"] in driver.page_source and settings["wrong"] in driver.page_source
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})",
                          driver.find_element(By.CSS_SELECTOR, ".read.blind"))
    shot(driver, "review-station-double-entry.png")
    driver.execute_script("window.scrollTo(0, 0)")
    key_fields(driver, {settings["field"]: settings["right"]})
    driver.switch_to.active_element.send_keys(Keys.ENTER)
    wait(driver, lambda d: "/records/" not in d.current_url)
    found["after_decision"] = urllib.parse.urlparse(driver.current_url).path
    found["after_decision_text"] = driver.find_element(By.TAG_NAME, "main").text[:300]
finally:
    driver.quit()

print(json.dumps(found, ensure_ascii=False))
