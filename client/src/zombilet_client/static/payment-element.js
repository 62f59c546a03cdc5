// Stripe's Payment Element with a deferred intent: the element collects the card, a
// confirmation token fills the form's hidden `token` field, and the form posts as usual.
// When payments answers that the card needs authentication, the page comes back with the
// intent's client secret and Stripe.js runs the authentication here.
(function () {
  "use strict";
  var form = document.getElementById("payment-form");
  if (!form || !window.Stripe) {
    return;
  }
  var stripe = window.Stripe(form.getAttribute("data-stripe-key"));
  var message = document.getElementById("payment-message");
  var returnUrl = form.getAttribute("data-return-url");
  var clientSecret = form.getAttribute("data-client-secret");

  if (clientSecret) {
    stripe.handleNextAction({ clientSecret: clientSecret }).then(function (result) {
      if (result.error) {
        message.textContent = result.error.message;
      } else {
        window.location.assign(returnUrl);
      }
    });
  }

  var elements = stripe.elements({
    mode: "payment",
    amount: parseInt(form.getAttribute("data-amount"), 10),
    currency: form.getAttribute("data-currency"),
    paymentMethodCreation: "manual",
  });
  elements.create("payment").mount("#payment-element");

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    message.textContent = "";
    elements.submit().then(function (submitted) {
      if (submitted.error) {
        message.textContent = submitted.error.message;
        return null;
      }
      return stripe.createConfirmationToken({ elements: elements });
    }).then(function (created) {
      if (!created) {
        return;
      }
      if (created.error) {
        message.textContent = created.error.message;
        return;
      }
      document.getElementById("payment-token").value = created.confirmationToken.id;
      form.submit();
    });
  });
})();
