"""The authoring view in real headless Chromium: a reviewer is refused; the administrator opens it from the bar,
sees the workflow's zones on its blank form with the YAML line of each field, then a scan from the journal with its
extraction drawn over it (sensitive values masked). Started by the Swift test suite; settings:

    {"base": …, "reviewer": [name, password], "admin": [name, password], "workflow": "jidou-teate-nintei",
     "secret": "a value that must never be in a page", "screenshots": "folder or empty"}

Prints one JSON object on its last line: what it saw.
"""

import json

from selenium.webdriver.common.by import By

from stationdriver import base, browser, log_in, log_out, settings, shot, wait

found = {}
driver = browser()


def image_width(d):
    return d.execute_script(
        "const i = document.getElementById('overlay'); return i && i.complete ? i.naturalWidth : 0")


def rows(d):
    return [r.text for r in d.find_elements(By.CSS_SELECTOR, "table.zones tbody tr")]


try:
    log_in(driver, settings["reviewer"])
    found["reviewer_has_link"] = bool(driver.find_elements(By.ID, "author"))
    driver.get(base + "/author")
    found["reviewer_page"] = driver.find_element(By.TAG_NAME, "main").text
    driver.get(base + "/")
    log_out(driver)

    log_in(driver, settings["admin"])
    driver.find_element(By.ID, "author").click()
    wait(driver, lambda d: "/author" in d.current_url)
    driver.find_element(By.CSS_SELECTOR, "a[href='/author/%s']" % settings["workflow"]).click()
    wait(driver, lambda d: image_width(d) > 0, seconds=120)
    found["template_width"] = image_width(driver)
    found["template_rows"] = rows(driver)
    found["template_url"] = driver.current_url
    shot(driver, "authoring-template.png")

    driver.find_element(By.CSS_SELECTOR, "nav.scans a").click()
    wait(driver, lambda d: image_width(d) > 0 or d.find_elements(By.CSS_SELECTOR, ".error"), seconds=600)
    found["scan_width"] = image_width(driver)
    found["scan_rows"] = rows(driver)
    found["scan_url"] = driver.current_url
    found["scan_caption"] = driver.find_element(By.CSS_SELECTOR, ".caption").text
    found["secret_in_page"] = settings["secret"] in driver.page_source
    shot(driver, "authoring-scan.png")
finally:
    driver.quit()
print(json.dumps(found, ensure_ascii=False))
