// "Use my location": asks the browser for the position and sends only the coordinates,
// by POST, to this site (which asks the Census geocoder for the districts).
(function () {
  "use strict";
  var form = document.getElementById("locate-form");
  if (!form || !("geolocation" in navigator)) return;
  var status = document.getElementById("locate-status");
  form.hidden = false;
  form.addEventListener("submit", function (event) {
    if (form.elements.latitude.value) return; // coordinates filled in: really send
    event.preventDefault();
    status.textContent = "Finding your location…";
    navigator.geolocation.getCurrentPosition(
      function (position) {
        form.elements.latitude.value = position.coords.latitude.toFixed(5);
        form.elements.longitude.value = position.coords.longitude.toFixed(5);
        status.textContent = "Looking up your districts…";
        form.submit();
      },
      function () {
        status.textContent = "Your location isn't available. Type your address instead.";
      },
      { enableHighAccuracy: false, timeout: 15000, maximumAge: 600000 }
    );
  });
})();
