"""What the browser tests of the review station share: a headless Chromium, logging in and out, posts made
outside the pages, screenshots, and keying a record's flagged fields with the keyboard alone."""

import http.cookiejar
import json
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

settings = json.load(open(sys.argv[1], encoding="utf-8"))
base = settings["base"]


def browser():
    options = webdriver.ChromeOptions()
    for argument in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--window-size=1400,1000", "--lang=ja"]:
        options.add_argument(argument)
    options.binary_location = "/usr/bin/chromium"
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)


def wait(driver, condition, seconds=60):
    return WebDriverWait(driver, seconds).until(condition)


def log_in(driver, account):
    driver.get(base + "/login")
    driver.find_element(By.ID, "user").send_keys(account[0])
    driver.find_element(By.ID, "password").send_keys(account[1] + Keys.ENTER)
    wait(driver, lambda d: "/login" not in d.current_url or d.find_elements(By.CSS_SELECTOR, ".error"))


def log_out(driver):
    driver.find_element(By.CSS_SELECTOR, "form[action='/logout'] button").click()
    wait(driver, lambda d: "/login" in d.current_url)


def plain_post(path, fields, cookies):
    """A POST made outside the pages (as a forged cross-site form would be): the status code."""
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(cookies))
    request = urllib.request.Request(base + path, data=urllib.parse.urlencode(fields).encode(), method="POST")
    try:
        return opener.open(request).status
    except urllib.error.HTTPError as error:
        return error.code


def session_cookies(driver):
    jar = http.cookiejar.CookieJar()
    host = urllib.parse.urlparse(base).hostname
    for cookie in driver.get_cookies():
        jar.set_cookie(http.cookiejar.Cookie(
            0, cookie["name"], cookie["value"], None, False, host, False, False, "/", True, False, None, False,
            None, None, {}))
    return jar


def shot(driver, name):
    if settings.get("screenshots"):
        driver.save_screenshot(settings["screenshots"] + "/" + name)


def flagged_paths(driver):
    wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "input.correction"))
    return [e.text for e in driver.find_elements(By.CSS_SELECTOR, ".field .head code")]


def key_fields(driver, values):
    """From the first flagged field to the accept button by keyboard: each field in `values` gets its value typed
    over what is there, every field is confirmed with Enter. Returns the seconds it took."""
    started = time.monotonic()
    for path in flagged_paths(driver):
        active = driver.switch_to.active_element
        if path in values:
            active.send_keys(Keys.CONTROL + "a")
            active.send_keys(Keys.DELETE)
            active.send_keys(values[path])
        active.send_keys(Keys.ENTER)
        before = active.get_attribute("id")
        wait(driver, lambda d: d.switch_to.active_element.get_attribute("id") != before)
    return time.monotonic() - started
