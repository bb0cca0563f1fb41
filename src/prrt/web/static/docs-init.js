// prrt web: starts Swagger UI on /docs (a file of its own: the CSP allows no inline script).
// A logged-in browser's CSRF token (meta csrf-token) goes with every "Try it out" call.
"use strict";
window.addEventListener("DOMContentLoaded", function () {
  var meta = document.querySelector('meta[name="csrf-token"]');
  var token = meta ? meta.getAttribute("content") : "";
  window.ui = window.SwaggerUIBundle({
    url: "/openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    // No validator badge: it would load an image from another origin.
    validatorUrl: null,
    requestInterceptor: function (request) {
      if (token) { request.headers["X-CSRF-Token"] = token; }
      return request;
    }
  });
});
